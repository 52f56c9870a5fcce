/**
 * The snapshot as Prometheus text exposition format 0.0.4 (docs/status.md, "Metrics").
 * Hand-written: the format is a few lines of text per metric, and the metrics are read from the
 * snapshot at scrape time, so a client library's registry of live metric objects would only
 * duplicate the books kept in accounting.ts; prom-client would also add its dependencies to the
 * single-file bundle and to every start, for the few who scrape.
 */
import type { Snapshot } from './snapshot.js';

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Labels = Record<string, string>;
type Sample = [Labels, number];

export function prometheusText(s: Snapshot): string {
  const out: string[] = [];
  const metric = (name: string, type: 'counter' | 'gauge', help: string, samples: Sample[]) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) out.push(`${name}${labelText(labels)} ${value}`);
  };
  const perHost = (f: (h: Snapshot['hosts'][number]) => number): Sample[] => s.hosts.map((h) => [{ host: h.name }, f(h)]);
  const both = (f: (h: Snapshot['hosts'][number]) => { in: number; out: number }): Sample[] =>
    s.hosts.flatMap((h) => [[{ host: h.name, direction: 'in' }, f(h).in], [{ host: h.name, direction: 'out' }, f(h).out]] as Sample[]);

  metric('norouter_host_up', 'gauge', 'Whether the host\'s agent is up (1) or starting, down or given up on (0).',
    s.hosts.map((h) => [{ host: h.name, vip: h.vip, state: h.state }, h.state === 'up' ? 1 : 0]));
  metric('norouter_host_bytes_total', 'counter', 'TCP payload bytes the host sent into the mesh (out) or was delivered (in).', both((h) => h.bytes));
  metric('norouter_host_connections', 'gauge', 'Live connections the host opened (out) or accepted (in).', both((h) => h.connections));
  metric('norouter_host_connections_opened_total', 'counter', 'Connections the host opened (out) or accepted (in) since the router started.', both((h) => h.opened));
  metric('norouter_host_restarts_total', 'counter', 'Starts of the host\'s agent after its first.', perHost((h) => h.restarts));
  metric('norouter_host_not_listening', 'gauge', 'Addresses the host\'s agent could not listen on.', perHost((h) => h.notListening.length));
  metric('norouter_link_backlog_bytes', 'gauge', 'Bytes waiting in the router for the host\'s agent to read.', perHost((h) => h.backlog));
  metric('norouter_refused_total', 'counter', 'OPENs the router refused, and frames that cost their sender its link, by host and kind.',
    s.hosts.flatMap((h) => Object.entries(h.refused).map(([kind, n]) => [{ host: h.name, kind }, n] as Sample)));
  metric('norouter_connections_aborted_total', 'counter', 'ABORTs that passed the router, by reason (docs/protocol.md 5.6).',
    Object.entries(s.aborts).map(([reason, n]) => [{ reason }, n] as Sample));
  metric('norouter_dns_queries_total', 'counter', 'DNS queries the host\'s agent answered from the mesh\'s names, relayed to the host\'s nameservers, or dropped as malformed.',
    s.hosts.flatMap((h) => (['answered', 'relayed', 'dropped'] as const).map((outcome) => [{ host: h.name, outcome }, h.dns[outcome]] as Sample)));
  metric('norouter_udp_datagrams_total', 'counter', 'UDP datagrams the router forwarded from the host (out) or to it (in).', both((h) => h.udp.datagrams));
  metric('norouter_udp_bytes_total', 'counter', 'Payload bytes of the UDP datagrams the router forwarded from the host (out) or to it (in).', both((h) => h.udp.bytes));
  metric('norouter_udp_flows', 'gauge', 'Live UDP flows of the host\'s agent: for its local clients (clients) or towards its targets (targets).',
    s.hosts.flatMap((h) => [[{ host: h.name, side: 'clients' }, h.udp.flows.clients], [{ host: h.name, side: 'targets' }, h.udp.flows.targets]] as Sample[]));
  metric('norouter_udp_datagrams_dropped_total', 'counter', 'UDP datagrams dropped, by the router (from the host) or by the host\'s agent, by kind (docs/protocol.md 14.5).',
    s.hosts.flatMap((h) => (['router', 'agent'] as const).flatMap((by) => Object.entries(h.udp.dropped[by]).map(([kind, n]) => [{ host: h.name, by, kind }, n] as Sample))));
  metric('norouter_connections', 'gauge', 'Live connections the router switches.', [[{}, s.totals.connections]]);
  metric('norouter_reloads_total', 'counter', 'Reloads of the manifest that changed its text (applied or not).', [[{}, s.reloads.count]]);
  const last = s.reloads.last;
  metric('norouter_last_reload_success', 'gauge', 'Whether the last reload was applied (1) or refused (0); 1 before any.', [[{}, !last || last.result === 'applied' ? 1 : 0]]);
  metric('norouter_start_time_seconds', 'gauge', 'When the router started, in seconds since the epoch.', [[{}, Date.parse(s.mesh.startedAt) / 1000]]);
  return `${out.join('\n')}\n`;
}

/** Label values escaped as the format says: backslash, double quote and newline. */
function labelText(labels: Labels): string {
  const entries = Object.entries(labels);
  if (!entries.length) return '';
  return `{${entries.map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}`;
}
