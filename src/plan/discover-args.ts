/**
 * Port discovery's agent flags, both ways, like dns-args.ts for the DNS add-on:
 *
 *   --discover INCLUDE [--discover-exclude EXCLUDE] [--discover-udp]
 *
 * Each is a list of ports and ranges, `80,443,8000-8999`. compile writes both explicitly (the
 * manifest's defaults resolved: docs/discovery.md), so the agent needs no default of its own.
 */
import type { AgentDiscover, PortRange } from './types.js';
import { parsePort, type Parsed } from './parsed.js';
import type { ConfigProblem } from '../protocol/agent-config-check.js';

/**
 * Ports left out of discovery unless a host's `include` names them: services that administer a
 * host or belong to its system rather than to an application under development, which a
 * developer does not mean to share with every other host by listening on them. SSH 22, SMTP 25,
 * DNS 53 (a local resolver such as systemd-resolved's 127.0.0.53), rpcbind 111, CUPS 631, NFS
 * 2049, the Docker API 2375-2376, etcd 2379-2380, LLMNR 5355, the Kubernetes API 6443, and
 * the kubelet's and Kubernetes components' ports 10248-10259.
 */
export const ADMIN_PORTS: readonly PortRange[] = [
  [22, 22], [25, 25], [53, 53], [111, 111], [631, 631], [2049, 2049], [2375, 2376], [2379, 2380],
  [5355, 5355], [6443, 6443], [10248, 10259],
];

/**
 * Left out too, unless `include` names them, when a host discovers UDP as well: UDP services of
 * the host's system (docs/discovery.md, "UDP"): DHCP 67-68, NTP 123, NetBIOS 137-138, SNMP
 * 161-162, IKE 500, DHCPv6 546-547, SSDP 1900, IPsec NAT traversal 4500, mDNS 5353.
 */
export const UDP_ADMIN_PORTS: readonly PortRange[] = [
  [67, 68], [123, 123], [137, 138], [161, 162], [500, 500], [546, 547], [1900, 1900], [4500, 4500], [5353, 5353],
];

export const ALL_PORTS: readonly PortRange[] = [[1, 65535]];

export function formatRanges(ranges: readonly PortRange[]): string {
  return ranges.map(([low, high]) => (low === high ? String(low) : `${low}-${high}`)).join(',');
}

export function formatDiscoverArgs(discover: AgentDiscover | undefined): string[] {
  if (!discover) return [];
  const args = ['--discover', formatRanges(discover.include)];
  if (discover.exclude.length) args.push('--discover-exclude', formatRanges(discover.exclude));
  if (discover.udp) args.push('--discover-udp');
  return args;
}

/** One port or range as the manifest and the flags write it: `8080`, `8000-8999`. */
export function parseRange(text: string): Parsed<PortRange> {
  const m = /^([0-9]+)(?:-([0-9]+))?$/.exec(text);
  if (!m) return { ok: false, error: `"${text}" is not a port or a range LOW-HIGH` };
  const low = parsePort(m[1] ?? '');
  const high = m[2] === undefined ? low : parsePort(m[2]);
  const where = m[2] === undefined ? '' : ` in "${text}"`;
  if (low === undefined) return { ok: false, error: `"${m[1] ?? ''}"${where} is not a port number (1-65535)` };
  if (high === undefined) return { ok: false, error: `"${m[2] ?? ''}"${where} is not a port number (1-65535)` };
  if (low > high) return { ok: false, error: `"${text}" is not a range: ${low} is above ${high}` };
  return { ok: true, value: [low, high] };
}

/** `80,443,8000-8999`; the empty text is the empty list. */
export function parseRanges(text: string): Parsed<PortRange[]> {
  if (text === '') return { ok: true, value: [] };
  const out: PortRange[] = [];
  for (const part of text.split(',')) {
    const r = parseRange(part);
    if (!r.ok) return r;
    out.push(r.value);
  }
  return { ok: true, value: out };
}

export function inRanges(port: number, ranges: readonly PortRange[]): boolean {
  for (const [low, high] of ranges) if (port >= low && port <= high) return true;
  return false;
}

/** Whether discovery publishes `port` under this filter: in `include` and not in `exclude`. */
export function discoverAllows(discover: AgentDiscover, port: number): boolean {
  return inRanges(port, discover.include) && !inRanges(port, discover.exclude);
}

/** For the plan's heading: `discovers ports 1-65535 except 22,25,…`. */
export function describeDiscover(discover: AgentDiscover | undefined): string {
  if (!discover) return '';
  const except = discover.exclude.length ? ` except ${formatRanges(discover.exclude)}` : '';
  return `discovers ${discover.udp ? 'TCP and UDP' : ''}${discover.udp ? ' ' : ''}ports ${formatRanges(discover.include)}${except}`;
}

/** The raw flag values as the CLI parser collected them. */
export interface DiscoverFlags {
  include?: string | undefined;
  exclude?: string | undefined;
  udp?: boolean | undefined;
}

/** Parses the discovery flags; pushes every problem to `errors`, its path the flag. */
export function parseDiscoverFlags(flags: DiscoverFlags, errors: ConfigProblem[]): AgentDiscover | undefined {
  if (flags.include === undefined) {
    if (flags.exclude !== undefined) errors.push({ path: '--discover-exclude', message: 'needs --discover' });
    if (flags.udp) errors.push({ path: '--discover-udp', message: 'needs --discover' });
    return undefined;
  }
  const include = parseRanges(flags.include);
  const exclude = parseRanges(flags.exclude ?? '');
  if (!include.ok) errors.push({ path: '--discover', message: include.error });
  if (!exclude.ok) errors.push({ path: '--discover-exclude', message: exclude.error });
  return include.ok && exclude.ok ? { include: include.value, exclude: exclude.value, ...(flags.udp ? { udp: true as const } : {}) } : undefined;
}
