/**
 * The DNS add-on's agent flags, both ways, like agent-args.ts for the rest:
 *
 *   --dns PORT  --dns-domain SUFFIX  --dns-resolv-conf auto|true  --write-etc-hosts
 *   --dns-name NAME=VIP…
 *
 * `--dns-name` lists every host's name and aliases; it is given when the agent runs the DNS
 * server (`--dns`) or writes /etc/hosts, and never otherwise.
 */
import type { AgentDns, DnsName } from './types.js';
import { isIPv4 } from '../protocol/ipv4.js';
import type { ConfigProblem } from '../protocol/agent-config-check.js';

/** The raw flag values as the CLI parser collected them. */
export interface DnsFlags {
  port?: string | undefined;
  domain?: string | undefined;
  resolvConf?: string | undefined;
  etcHosts?: boolean | undefined;
  names?: readonly string[] | undefined;
}

// One DNS label (RFC 1123): letters, digits, inner hyphens, at most 63 characters.
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

/** A DNS name of one or more labels separated by dots, no leading or trailing dot, ≤ 253 characters. */
export function isDnsName(text: string): boolean {
  return text.length >= 1 && text.length <= 253 && text.split('.').every((l) => LABEL.test(l));
}

// A host name as the manifest allows it: a DNS label, or one with underscores (`aws_bastion`, as
// the original NoRouter allowed; validation warns when DNS is on, W305).
const MESH_LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/i;

/** A name `--dns-name` carries: a DNS name, or a host name with underscores. */
export function isMeshName(text: string): boolean {
  return isDnsName(text) || MESH_LABEL.test(text);
}

/** Why `text` is not a DNS name, for diagnostics; undefined when it is one. */
export function dnsNameProblem(text: string): string | undefined {
  if (text === '') return 'it is empty';
  if (text.length > 253) return `it has ${text.length} characters (at most 253)`;
  if (text.startsWith('.') || text.endsWith('.')) return 'it starts or ends with a dot';
  for (const label of text.split('.')) {
    if (label === '') return 'it has two dots in a row';
    if (label.length > 63) return `its label "${label.slice(0, 20)}…" has ${label.length} characters (at most 63)`;
    const bad = /[^a-z0-9-]/i.exec(label)?.[0];
    if (bad !== undefined) return `it contains ${JSON.stringify(bad)}`;
    if (!LABEL.test(label)) return `its label "${label}" starts or ends with a hyphen`;
  }
  return undefined;
}

export function formatDnsName(n: DnsName): string {
  return `${n.name}=${n.vip}`;
}

/** `nameWords`: the `--dns-name` words already formatted (compile shares them between hosts). */
export function formatDnsArgs(dns: AgentDns | undefined, nameWords?: readonly string[]): string[] {
  if (!dns) return [];
  const args: string[] = [];
  if (dns.port !== undefined) args.push('--dns', String(dns.port));
  if (dns.domain !== undefined) args.push('--dns-domain', dns.domain);
  if (dns.resolvConf !== undefined) args.push('--dns-resolv-conf', dns.resolvConf);
  if (dns.etcHosts) args.push('--write-etc-hosts');
  if (nameWords) return args.concat(nameWords);
  for (const n of dns.names) args.push('--dns-name', formatDnsName(n));
  return args;
}

/** Parses the DNS flags; pushes every problem to `errors`, its path the flag. Undefined when no DNS flag was given. */
export function parseDnsFlags(flags: DnsFlags, errors: ConfigProblem[]): AgentDns | undefined {
  const names = flags.names ?? [];
  const any = flags.port !== undefined || flags.domain !== undefined || flags.resolvConf !== undefined || flags.etcHosts || names.length > 0;
  if (!any) return undefined;
  const dns: AgentDns = { etcHosts: flags.etcHosts === true, names: [] };
  if (flags.port !== undefined) {
    const port = /^[0-9]{1,5}$/.test(flags.port) ? Number(flags.port) : NaN;
    if (port >= 1 && port <= 65535) dns.port = port;
    else errors.push({ path: '--dns', message: `"${flags.port}" is not a port number (1-65535)` });
  }
  if (flags.domain !== undefined) {
    if (isDnsName(flags.domain)) dns.domain = flags.domain;
    else errors.push({ path: '--dns-domain', message: `"${flags.domain}" is not a DNS name` });
  }
  if (flags.resolvConf !== undefined) {
    if (flags.resolvConf === 'auto' || flags.resolvConf === 'true') dns.resolvConf = flags.resolvConf;
    else errors.push({ path: '--dns-resolv-conf', message: `"${flags.resolvConf}" is neither auto nor true` });
  }
  for (const text of names) {
    const eq = text.indexOf('=');
    const name = text.slice(0, eq);
    const vip = text.slice(eq + 1);
    if (eq < 0 || !isMeshName(name) || !isIPv4(vip)) errors.push({ path: `--dns-name ${text}`, message: 'not NAME=VIP with a DNS name and an IPv4 address' });
    else dns.names.push({ name, vip });
  }
  if (dns.port === undefined && !dns.etcHosts) errors.push({ path: '', message: '--dns-name, --dns-domain and --dns-resolv-conf need --dns PORT or --write-etc-hosts' });
  if (dns.resolvConf !== undefined && dns.port === undefined) errors.push({ path: '', message: '--dns-resolv-conf needs --dns PORT' });
  return dns;
}

/**
 * What `norouter plan` adds to a host's heading: `dns 127.0.42.101:53, resolv.conf auto,
 * /etc/hosts`; empty when the host has no DNS configuration.
 */
export function describeDns(vip: string, dns: AgentDns | undefined): string {
  if (!dns) return '';
  const parts: string[] = [];
  if (dns.port !== undefined) parts.push(`dns ${vip}:${dns.port}${dns.domain ? ` (.${dns.domain})` : ''}`);
  if (dns.resolvConf) parts.push(`resolv.conf ${dns.resolvConf === 'true' ? 'patched' : 'patched if writable'}`);
  if (dns.etcHosts) parts.push('/etc/hosts');
  return parts.join(', ');
}
