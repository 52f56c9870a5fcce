/**
 * The registry of manifest diagnostic codes. Append-only: a code, once released, keeps its
 * meaning forever (users search for it, docs/errors.md documents it, tests pin it). Retire a code
 * by leaving it here unused rather than reusing its number.
 *
 * Families: E1xx the YAML text itself, E2xx the schema (schema/manifest.schema.json), E3xx
 * semantic checks the schema cannot express; W1xx/W3xx are the warning counterparts.
 */
export interface CodeInfo {
  name: string;
  severity: 'error' | 'warning';
  summary: string;
}

export const CODES = {
  E101: { name: 'yaml-syntax', severity: 'error', summary: 'The file is not valid YAML.' },
  E102: { name: 'duplicate-key', severity: 'error', summary: 'A mapping has the same key twice.' },
  E103: { name: 'tab-indentation', severity: 'error', summary: 'A line is indented with a tab; YAML allows only spaces.' },
  E104: { name: 'alias-limit', severity: 'error', summary: 'Aliases expand to too many nodes (a "billion laughs" document).' },
  E105: { name: 'file-too-large', severity: 'error', summary: 'The file is larger than 16 MiB and was not parsed.' },
  E106: { name: 'unresolved-alias', severity: 'error', summary: 'An alias (*name) refers to no earlier anchor (&name).' },
  E107: { name: 'multiple-documents', severity: 'error', summary: 'The file holds more than one YAML document.' },
  E108: { name: 'nesting-too-deep', severity: 'error', summary: 'The YAML nests hundreds of levels deep, more than the parser can follow.' },
  W101: { name: 'yaml-warning', severity: 'warning', summary: 'The YAML parser warned about something it accepted (an unknown tag, directive…).' },
  E201: { name: 'unknown-key', severity: 'error', summary: 'A mapping has a key the schema does not know.' },
  E202: { name: 'wrong-type', severity: 'error', summary: 'A value has the wrong type (a list where a string belongs, …).' },
  E203: { name: 'missing-key', severity: 'error', summary: 'A mapping lacks a required key.' },
  E204: { name: 'invalid-vip', severity: 'error', summary: 'A vip is not an IPv4 address.' },
  E205: { name: 'no-hosts', severity: 'error', summary: '`hosts` is empty.' },
  E206: { name: 'schema-violation', severity: 'error', summary: 'Any other schema rule failed (kept for schema rules added later).' },
  E301: { name: 'duplicate-vip', severity: 'error', summary: 'Two hosts have the same vip.' },
  E302: { name: 'invalid-host-name', severity: 'error', summary: 'A host name is not a DNS label.' },
  E303: { name: 'duplicate-host-name', severity: 'error', summary: 'Two host names differ only in letter case (the same DNS name).' },
  E304: { name: 'invalid-port', severity: 'error', summary: 'A ports entry is not LISTEN:CONNECT_HOST:CONNECT_PORT[/tcp|/udp] with valid parts.' },
  E305: { name: 'duplicate-listen-port', severity: 'error', summary: 'A host publishes the same listen port twice.' },
  E306: { name: 'multiple-local-hosts', severity: 'error', summary: 'More than one host has no cmd.' },
  E307: { name: 'empty-cmd', severity: 'error', summary: 'A cmd names no program.' },
  E308: { name: 'cmd-quoting', severity: 'error', summary: 'A cmd string has an unterminated quote or a trailing backslash.' },
  W301: { name: 'vip-outside-loopback', severity: 'warning', summary: 'A vip is outside 127.0.0.0/8.' },
  E309: { name: 'invalid-dns-alias', severity: 'error', summary: 'A dns alias is not a DNS name.' },
  E310: { name: 'dns-name-collision', severity: 'error', summary: 'A dns alias repeats a host name or another alias (letter case ignored).' },
  E311: { name: 'invalid-dns-domain', severity: 'error', summary: 'A dns domain suffix is not a DNS name.' },
  W302: { name: 'resolv-conf-port', severity: 'warning', summary: 'resolvConf is true but the DNS port is not 53, which resolv.conf cannot point at.' },
  E312: { name: 'invalid-proxy-listen', severity: 'error', summary: 'An http or socks proxy `listen` is not ADDRESS:PORT.' },
  E313: { name: 'proxy-port-collision', severity: 'error', summary: 'A proxy listens on a port the same host publishes, or both proxies of a host on one address.' },
  E314: { name: 'unknown-route-via', severity: 'error', summary: 'A route\'s `via` names no host.' },
  E315: { name: 'invalid-route-destination', severity: 'error', summary: 'A route destination is neither an IPv4 CIDR nor a host-name glob.' },
  E316: { name: 'duplicate-route-destination', severity: 'error', summary: 'Two routes list the same destination.' },
  E317: { name: 'keepalive-timeout-too-short', severity: 'error', summary: 'keepalive.timeout is less than twice keepalive.interval.' },
  E318: { name: 'plan-too-large', severity: 'error', summary: 'An agent\'s command line would exceed 120 KiB: too many ports published across too many hosts.' },
  W303: { name: 'loopback-disabled-without-proxy', severity: 'warning', summary: 'loopback.disable on a host without a proxy: nothing there reaches the mesh.' },
  E319: { name: 'cmd-shell-syntax', severity: 'error', summary: 'A cmd string holds shell syntax (a pipe, redirection, `;`, `&&`, `$(…)`, a backtick…) that no shell will run.' },
  W304: { name: 'cmd-shell-variable', severity: 'warning', summary: 'A cmd string holds `$VAR`, which no shell will expand.' },
  W305: { name: 'host-name-not-dns', severity: 'warning', summary: 'A host name has `_` while DNS is on: it works everywhere but as a DNS host name.' },
  W306: { name: 'state-dir-ignored', severity: 'warning', summary: 'The original NoRouter\'s `stateDir`: norouter writes no state directory, so it is ignored.' },
  E320: { name: 'invalid-discover-range', severity: 'error', summary: 'A `discover` include or exclude entry is not a port (1-65535) or a range LOW-HIGH running upwards.' },
  E321: { name: 'dns-port-collision', severity: 'error', summary: 'A host publishes the port its DNS add-on serves on (UDP and TCP on the host\'s VIP).' },
  E322: { name: 'forward-to-itself', severity: 'error', summary: 'A published port\'s target is the host\'s own VIP and that same port: the mesh\'s own listener, a loop.' },
  W307: { name: 'route-glob-of-digits', severity: 'warning', summary: 'A route destination is a glob of digits, dots and wildcards (`10.0.0.*`): addresses are matched against CIDRs only, so it matches no address.' },
} as const satisfies Record<string, CodeInfo>;

/** A registered code; diagnostics can only be created with one of these. */
export type Code = keyof typeof CODES;

export function allCodes(): Code[] {
  return Object.keys(CODES) as Code[];
}
