/**
 * The DNS add-on's part of the plan: every host's name and aliases, and each host's
 * effective settings, its own `dns` fields over hostTemplate's. Pure; here, below both
 * compile and validate, because both use it (validate measures command lines with it, E318).
 */
import type { Dns, Host, HostDns, Manifest } from '../../generated/manifest.js';
import type { AgentDns, DnsName } from './types.js';

/** The default DNS port: the only one /etc/resolv.conf can point at. */
export const DEFAULT_DNS_PORT = 53;

/** Every host's name, then its aliases, in manifest order: the same list for every agent. */
export function dnsNamesOf(manifest: Manifest): DnsName[] {
  const names: DnsName[] = [];
  for (const [name, host] of Object.entries(manifest.hosts)) {
    if (!host) continue;
    names.push({ name, vip: host.vip });
    // `aliases` is the original NoRouter's spelling of dns.aliases: both add up.
    for (const alias of [...(host.aliases ?? []), ...(host.dns?.aliases ?? [])]) names.push({ name: alias, vip: host.vip });
  }
  return names;
}

/** One host's DNS configuration, or undefined when it neither serves DNS nor writes /etc/hosts. */
export function agentDnsOf(host: Host, template: Manifest['hostTemplate'], local: boolean, names: readonly DnsName[]): AgentDns | undefined {
  const own: HostDns | undefined = host.dns;
  const base: Dns | undefined = template?.dns;
  const enabled = own?.enable ?? base?.enable ?? (own !== undefined || base !== undefined);
  const etcHosts = host.writeEtcHosts ?? template?.writeEtcHosts ?? false;
  if (!enabled && !etcHosts) return undefined;
  // Shared, not copied: the plan is never mutated, and H hosts × N names would be quadratic.
  const dns: AgentDns = { etcHosts, names: names as DnsName[] };
  const domain = own?.domain ?? base?.domain;
  if (domain !== undefined) dns.domain = domain;
  if (enabled) {
    dns.port = own?.port ?? base?.port ?? DEFAULT_DNS_PORT;
    // `auto` never patches the local machine's file: the user's own resolver is not ours to change.
    const resolvConf = own?.resolvConf ?? base?.resolvConf ?? 'auto';
    if (resolvConf === true) dns.resolvConf = 'true';
    else if (resolvConf === 'auto' && !local) dns.resolvConf = 'auto';
  }
  return dns;
}
