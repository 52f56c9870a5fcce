/**
 * A host's port discovery as the agent gets it (AgentConfig.discover), from the manifest's
 * `discover` on the host or, when the host does not set it, on `hostTemplate`. The defaults are
 * resolved here, so the agent and `norouter plan` see both lists explicitly: without `include`,
 * every port is a candidate but the administrative ones (ADMIN_PORTS); with it, exactly its ports.
 */
import type { Host, HostTemplate } from '../../generated/manifest.js';
import { ADMIN_PORTS, ALL_PORTS, UDP_ADMIN_PORTS, parseRange } from './discover-args.js';
import type { AgentDiscover, PortRange } from './types.js';

export function discoverOf(host: Host, template: HostTemplate | undefined): AgentDiscover | undefined {
  const setting = host.discover ?? template?.discover ?? false;
  if (setting === false) return undefined;
  if (setting === true) return { include: [...ALL_PORTS], exclude: [...ADMIN_PORTS] };
  const exclude = rangesOf(setting.exclude ?? []);
  // UDP is opt-in (docs/discovery.md, "UDP"): its listeners cannot be told from clients' sockets as surely as TCP's.
  const udp = setting.udp === true ? { udp: true as const } : {};
  if (setting.include === undefined) return { include: [...ALL_PORTS], exclude: [...ADMIN_PORTS, ...(setting.udp === true ? UDP_ADMIN_PORTS : [])].sort((a, b) => a[0] - b[0]).concat(exclude), ...udp };
  return { include: rangesOf(setting.include), exclude, ...udp };
}

/**
 * The manifest's list (ports as numbers, ranges as `LOW-HIGH`). compile sees only valid ones
 * (E320); the E318 size check runs on manifests with E320 errors too, and skips those.
 */
function rangesOf(list: readonly (number | string)[]): PortRange[] {
  return list.flatMap((item) => {
    const r = parseRange(String(item));
    return r.ok ? [r.value] : [];
  });
}
