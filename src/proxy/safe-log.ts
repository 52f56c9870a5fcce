/**
 * The proxies log text their clients wrote (request lines, targets, SOCKS host names) and echo
 * it in 403/400/502 bodies; a terminal would act on control bytes in it (an ESC sequence can
 * clear the screen or forge a `norouter:` line). Every such line and body goes through
 * escapeControls (src/terminal/safe-text.ts) on its way out.
 */
import { escapeControls } from '../terminal/safe-text.js';
import type { ProxyHost } from './proxy-host.js';

/** `host` with a log() that escapes control characters (idempotent: escaped text is unchanged). */
export function safeHost(host: ProxyHost): ProxyHost {
  return {
    bridge: host.bridge,
    decide: (name, port) => host.decide(name, port),
    open: (end, to) => host.open(end, to),
    log: (line) => host.log(escapeControls(line)),
  };
}
