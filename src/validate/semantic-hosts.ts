/** Host names and VIPs: what the schema's per-value rules cannot see. */
import { isIPv4 } from '../plan/agent-args.js';
import type { SemanticContext } from './semantic-context.js';

/**
 * Host names become DNS names (the DNS add-on answers `NAME` with the host's VIP), so each must be
 * one DNS label (RFC 1123). Letters of either case are accepted, as DNS accepts them, but because
 * DNS ignores case two names differing only in case are one name: that is an error (E303).
 */
const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;
/**
 * The original NoRouter took any name, and its VPN guide names hosts `aws_bastion`: an underscore
 * is accepted anywhere a letter is. Such a name is no DNS host name (RFC 1123), so with DNS on it
 * is a warning (W305): the proxies, routes and /etc/hosts use it as it is.
 */
const MESH_LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/i;

/**
 * `dnsOn`: some host runs the DNS add-on, which would serve every host's name; `hasAlias`: the
 * host has an alias, by which DNS reaches it anyway (no warning then).
 */
export function checkHostNames(ctx: SemanticContext, names: readonly string[], dnsOn: boolean, hasAlias: (name: string) => boolean): void {
  const seen = new Map<string, string>();
  for (const name of names) {
    const at = ['hosts', name];
    if (!MESH_LABEL.test(name)) {
      ctx.report('E302', `host name ${JSON.stringify(name)} is not a DNS label: ${labelProblem(name)} (use letters, digits and inner hyphens or underscores, at most 63 characters; hosts become DNS names)`, at, 'key');
      continue;
    }
    if (dnsOn && !DNS_LABEL.test(name) && !hasAlias(name)) {
      const alias = name.replace(/_/g, '-').replace(/^-+|-+$/g, '') || 'host';
      ctx.report('W305', `host name "${name}" has "_", which a DNS host name cannot have: the proxies, routes and /etc/hosts know it, but resolvers and programs may refuse it in DNS; to reach the host by DNS, give it an alias (aliases: [${alias}])`, at, 'key');
    }
    const first = seen.get(name.toLowerCase());
    if (first !== undefined) {
      ctx.report('E303', `host name "${name}" is the same DNS name as host "${first}" (line ${ctx.line(['hosts', first], 'key')}): DNS ignores letter case`, at, 'key');
      continue;
    }
    seen.set(name.toLowerCase(), name);
  }
}

function labelProblem(name: string): string {
  if (name === '') return 'it is empty';
  if (name.length > 63) return `it has ${name.length} characters`;
  const bad = /[^a-z0-9_-]/i.exec(name)?.[0];
  if (bad !== undefined) return `it contains ${JSON.stringify(bad)}`;
  return name.startsWith('-') ? 'it starts with a hyphen' : 'it ends with a hyphen';
}

export function checkVips(ctx: SemanticContext, hosts: ReadonlyArray<readonly [string, Record<string, unknown>]>): void {
  const owners = new Map<string, string>();
  for (const [name, host] of hosts) {
    const at = ['hosts', name, 'vip'];
    const vip = host['vip'];
    if (typeof vip !== 'string' || !isIPv4(vip) || !ctx.usable(at)) continue;
    const owner = owners.get(vip);
    if (owner !== undefined) {
      ctx.report('E301', `vip ${vip} of host "${name}" is already the vip of host "${owner}" (line ${ctx.line(['hosts', owner, 'vip'])}); every host needs its own`, at);
      continue;
    }
    owners.set(vip, name);
    if (!vip.startsWith('127.')) {
      ctx.report('W301', `vip ${vip} of host "${name}" is outside 127.0.0.0/8: Linux answers on 127.x addresses without setup, but this address must already be configured on every host`, at);
    }
  }
}
