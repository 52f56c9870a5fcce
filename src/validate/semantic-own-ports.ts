/**
 * What a host's own agent binds on the host's VIP, against each other (docs/protocol.md §14 for
 * UDP): every published port, TCP or UDP, is listened on at VIP:PORT by the host's own agent too
 * (so the host reaches its own services through the mesh, unless `loopback.disable`), and the DNS
 * add-on serves on VIP:dns.port over UDP and TCP. Two of them on one VIP and port cannot both be
 * had: one fails with EADDRINUSE when the agent starts (or, for DNS, after a reload), at run time
 * and on the host rather than here. A published port whose target is the host's own VIP and that
 * same port (`53:127.0.42.101:53/udp`) is a loop: the agent would forward each datagram or
 * connection to its own listener, which forwards it again, until flows or connections run out.
 * With `loopback.disable` the host's own agent binds nothing on its VIP, so neither clash exists
 * there (a service of the host's own may then be bound to that VIP and port).
 */
import { parseForward } from '../plan/agent-args.js';
import type { SemanticContext } from './semantic-context.js';

type Hosts = ReadonlyArray<readonly [string, Record<string, unknown>]>;

const asRecord = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

export function checkOwnPorts(ctx: SemanticContext, template: unknown, hosts: Hosts): void {
  const tpl = asRecord(template);
  const reported = new Set<string>();
  for (const [name, host] of hosts) {
    const vip = host['vip'];
    const dns = dnsPort(asRecord(host['dns']), asRecord(tpl?.['dns']));
    const listens = (asRecord(host['loopback'])?.['disable'] ?? asRecord(tpl?.['loopback'])?.['disable']) !== true;
    for (const [list, at] of [[tpl?.['ports'], ['hostTemplate', 'ports']], [host['ports'], ['hosts', name, 'ports']]] as const) {
      if (!Array.isArray(list)) continue;
      list.forEach((text: unknown, i) => {
        const segments = [...at, String(i)];
        if (typeof text !== 'string' || !ctx.usable(segments)) return;
        const entry = parseForward(text);
        if (!entry.ok) return;
        const { listenPort, connectHost, connectPort, proto } = entry.value;
        // A template entry is reported once, for the first host it clashes on.
        const key = (what: string) => `${what}:${at[0] === 'hostTemplate' ? '' : name}:${segments.join('.')}`;
        if (listens && dns && listenPort === dns.port && !reported.has(key('dns'))) {
          reported.add(key('dns'));
          ctx.report('E321', `host "${name}" publishes port ${listenPort}/${proto} (${JSON.stringify(text)}), but its DNS add-on serves on that port of its VIP (${dns.where} ${dns.port}, UDP and TCP): `
            + `the host's own agent listens on ${typeof vip === 'string' ? vip : 'its VIP'}:${listenPort} for every port it publishes, so one of the two would fail with EADDRINUSE; `
            + 'publish another listen port (the target may stay), or move the DNS server (dns.port)', segments);
        }
        if (listens && typeof vip === 'string' && connectHost === vip && connectPort === listenPort && !reported.has(key('loop'))) {
          reported.add(key('loop'));
          ctx.report('E322', `host "${name}" publishes port ${listenPort}/${proto} with itself as the target (${JSON.stringify(text)}): its VIP:${listenPort} is the mesh's listener for that port, so `
            + `every ${proto === 'udp' ? 'datagram' : 'connection'} would be forwarded back to it again; point it at the service's own address (127.0.0.1:${connectPort}, or another port)`, segments);
        }
      });
    }
  }
}

/** The port the host's DNS add-on binds, and the key that set it; undefined when it runs none. */
function dnsPort(own: Record<string, unknown> | undefined, template: Record<string, unknown> | undefined): { port: number; where: string } | undefined {
  const enabled = own?.['enable'] ?? template?.['enable'] ?? (own !== undefined || template !== undefined);
  if (enabled !== true) return undefined;
  if (typeof own?.['port'] === 'number') return { port: own['port'], where: 'dns.port' };
  if (typeof template?.['port'] === 'number') return { port: template['port'], where: 'hostTemplate.dns.port' };
  return { port: 53, where: 'the default port' };
}
