/**
 * The `cmd` of a namespaced demo host is `unshare … /bin/sh SCRIPT`, and norouter appends
 * `internal agent …` as it would to `docker exec -i web norouter`. The script is the "container":
 *
 *   --user --map-root-user  a user namespace in which we are root, so no privilege is needed
 *   --net                   its own network: a loopback no other host shares
 *   --pid --fork            its own pid namespace, whose init is the agent (the script execs
 *                           it): when the agent exits, the kernel kills the web service too
 *   --kill-child            and when unshare itself is killed, its child (the agent) dies
 */
import { UNSHARE_FLAGS } from './probe-userns.js';

/** Quotes one word for sh. */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

export interface HostScript {
  /** The host's name, for the comment. */
  name: string;
  /** Absolute path of `ip`. */
  ip: string;
  /** The command that starts norouter: node and the CLI script. */
  self: readonly string[];
  /** The web service inside: port on 127.0.0.1 and body. */
  port: number;
  body: string;
}

export function hostScript(h: HostScript): string {
  const self = h.self.map(shellQuote).join(' ');
  return [
    '#!/bin/sh',
    `# Host "${h.name}" of the norouter demo, running in its own user, network and pid namespaces.`,
    'set -e',
    '# A new network namespace starts with its loopback down: nothing would answer, not even 127.0.0.1.',
    `${shellQuote(h.ip)} link set lo up`,
    '# The web service this host publishes; stdin stays with the agent, so give it none of its own.',
    `${self} internal demo-http 127.0.0.1 ${h.port} ${shellQuote(h.body)} </dev/null &`,
    '# The agent, with the arguments norouter appended; exec makes it this pid namespace\'s init.',
    `exec ${self} "$@"`,
    '',
  ].join('\n');
}

export function hostCmd(unshare: string, scriptPath: string): string[] {
  return [unshare, ...UNSHARE_FLAGS, '/bin/sh', scriptPath];
}
