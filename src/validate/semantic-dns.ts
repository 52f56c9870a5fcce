/**
 * The DNS add-on's names: aliases and domain suffixes must be DNS names, and no name
 * may be answered with two VIPs: an alias repeating a host name or another alias (letter case
 * ignored, as DNS ignores it) is an error. Also warns when resolv.conf is to be patched but the
 * server cannot be on port 53, the only port resolv.conf can point at.
 */
import { dnsNameProblem } from '../plan/dns-args.js';
import type { SemanticContext } from './semantic-context.js';

type Hosts = ReadonlyArray<readonly [string, Record<string, unknown>]>;

const asRecord = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

export function checkDns(ctx: SemanticContext, template: unknown, hosts: Hosts): void {
  const templateDns = asRecord(asRecord(template)?.['dns']);
  checkDomain(ctx, templateDns, ['hostTemplate', 'dns', 'domain'], 'hostTemplate');
  // Every host name first: an alias is compared with all of them, wherever they are in the file.
  const owners: Owners = new Map();
  for (const [name] of hosts) {
    if (!owners.has(name.toLowerCase())) owners.set(name.toLowerCase(), { what: `the name of host "${name}"`, segments: ['hosts', name], target: 'key' });
  }
  for (const [name, host] of hosts) {
    const dns = asRecord(host['dns']);
    checkDomain(ctx, dns, ['hosts', name, 'dns', 'domain'], `host "${name}"`);
    checkPort53(ctx, name, dns, templateDns);
    // `aliases` on the host is the original NoRouter's spelling of dns.aliases: both add up.
    for (const [list, where] of [[host['aliases'], ['hosts', name, 'aliases']], [dns?.['aliases'], ['hosts', name, 'dns', 'aliases']]] as const) {
      if (Array.isArray(list)) checkAliases(ctx, name, list, where, owners);
    }
  }
}

type Owners = Map<string, { what: string; segments: string[]; target: 'key' | 'value' }>;

function checkAliases(ctx: SemanticContext, name: string, aliases: readonly unknown[], where: readonly string[], owners: Owners): void {
  aliases.forEach((alias: unknown, i) => {
    const at = [...where, String(i)];
    if (typeof alias !== 'string' || !ctx.usable(at)) return;
    const problem = dnsNameProblem(alias);
    if (problem !== undefined) {
      ctx.report('E309', `alias ${JSON.stringify(alias)} of host "${name}" is not a DNS name: ${problem} (use labels of letters, digits and inner hyphens, separated by dots)`, at);
      return;
    }
    const first = owners.get(alias.toLowerCase());
    if (first) {
      const self = first.what === `the name of host "${name}"`;
      ctx.report('E310', self
        ? `alias "${alias}" of host "${name}" is the host's own name: DNS ignores letter case, and the name already answers`
        : `alias "${alias}" of host "${name}" is already ${first.what} (line ${ctx.line(first.segments, first.target)}): one DNS name cannot stand for two hosts (DNS ignores letter case)`, at);
      return;
    }
    owners.set(alias.toLowerCase(), { what: `an alias of host "${name}"`, segments: at, target: 'value' });
  });
}

function checkDomain(ctx: SemanticContext, dns: Record<string, unknown> | undefined, at: string[], owner: string): void {
  const domain = dns?.['domain'];
  if (typeof domain !== 'string' || !ctx.usable(at)) return;
  const problem = dnsNameProblem(domain);
  if (problem !== undefined) {
    ctx.report('E311', `dns.domain ${JSON.stringify(domain)} of ${owner} is not a domain suffix: ${problem} (write it like "mesh" or "dev.example", without leading or trailing dots)`, at);
  }
}

/** resolv.conf has no port: asking for it to be patched with the server elsewhere cannot work. */
function checkPort53(ctx: SemanticContext, name: string, dns: Record<string, unknown> | undefined, template: Record<string, unknown> | undefined): void {
  const pick = (key: string): unknown => dns?.[key] ?? template?.[key];
  const enabled = pick('enable') ?? (dns !== undefined || template !== undefined);
  const port = pick('port') ?? 53;
  if (enabled !== true || pick('resolvConf') !== true || typeof port !== 'number' || port === 53) return;
  const own = dns?.['port'] !== undefined;
  const at = own ? ['hosts', name, 'dns', 'port'] : ['hostTemplate', 'dns', 'port'];
  if (!ctx.usable(at)) return;
  ctx.report('W302', `host "${name}" asks for /etc/resolv.conf to be patched (resolvConf: true) but its DNS server is on port ${port}: resolv.conf can only point at port 53, so it will not be patched`, at);
}

/** Whether some host runs the DNS add-on: its own `dns` or hostTemplate's, not turned off. */
export function dnsApplies(template: unknown, hosts: Hosts): boolean {
  const base = asRecord(asRecord(template)?.['dns']);
  return hosts.some(([, host]) => {
    const own = asRecord(host['dns']);
    const enable = own?.['enable'] ?? base?.['enable'];
    return enable === undefined ? own !== undefined || base !== undefined : enable === true;
  });
}
