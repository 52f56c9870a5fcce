/**
 * `norouter status` as text: per mesh, a table of its hosts with their totals, then the last
 * reload and what was refused (docs/status.md). Pure: the snapshot in, lines out. Everything a
 * host, an agent or a manifest wrote is escaped before it reaches the terminal.
 */
import { escapeControls } from '../terminal/safe-text.js';
import { paint, table, type Colour } from './paint.js';
import type { HostSnapshot, HostStateName, Snapshot } from './snapshot.js';
import { ago, bytes, duration, rate, timeOfDay } from './units.js';

export const STATE_COLOUR: Record<HostStateName, Colour> = { up: 'green', starting: 'yellow', down: 'red', 'given-up': 'red' };

export interface RenderOptions {
  colour: boolean;
}

export function renderStatus(s: Snapshot, o: RenderOptions): string {
  const out: string[] = [];
  const running = duration(Date.parse(s.mesh.now) - Date.parse(s.mesh.startedAt));
  out.push(`${paint(o.colour, 'bold', escapeControls(s.mesh.manifest))}: ${s.totals.up} of ${s.totals.hosts} hosts up, running ${running} (pid ${s.mesh.pid}, norouter ${escapeControls(s.mesh.norouter)})`);
  const head = ['HOST', 'VIP', 'STATE', 'SINCE', 'RESTARTS', 'CONNS', 'IN', 'OUT', 'RATE IN', 'RATE OUT', 'NOTES'];
  const rows = s.hosts.map((h) => hostRow(h, s.mesh.now, o));
  const t = s.totals;
  rows.push(['total', '', '', '', String(s.hosts.reduce((n, h) => n + h.restarts, 0)), String(t.connections), bytes(t.bytes), bytes(t.bytes), rate(t.rate), rate(t.rate), '']);
  out.push(...table([head.map((c) => paint(o.colour, 'dim', c)), ...rows], new Set([4, 5, 6, 7, 8, 9])));
  const last = s.reloads.last;
  out.push(last
    ? `  last reload: ${timeOfDay(last.at)} (${ago(last.at, s.mesh.now)} ago, ${escapeControls(last.trigger)}): ${reloadResult(last.result, o)}${last.summary ? `: ${escapeControls(last.summary)}` : ''}`
    : '  last reload: none since the start');
  const refused = s.hosts.filter((h) => Object.keys(h.refused).length);
  for (const h of refused) out.push(`  ${escapeControls(h.name)} refused: ${Object.entries(h.refused).map(([k, n]) => `${n} × ${escapeControls(k)}`).join(', ')}`);
  const aborts = Object.entries(s.aborts);
  if (aborts.length) out.push(`  connections aborted: ${aborts.map(([k, n]) => `${n} × ${escapeControls(k)}`).join(', ')}`);
  return `${out.join('\n')}\n`;
}

function hostRow(h: HostSnapshot, now: string, o: RenderOptions): string[] {
  const notes: string[] = [];
  if (h.why) notes.push(escapeControls(h.why));
  if (h.dns.answered + h.dns.relayed + h.dns.dropped > 0) notes.push(`dns: ${h.dns.answered} answered, ${h.dns.relayed} relayed${h.dns.dropped ? `, ${h.dns.dropped} dropped` : ''}`);
  if (h.discovered.length) notes.push(`discovered: ${describeDiscovered(h.discovered, now)}`);
  const udp = describeUdp(h.udp);
  if (udp) notes.push(udp);
  if (h.notListening.length) notes.push(`not listening on ${h.notListening.map((f) => `${escapeControls(f.listen)} (${escapeControls(f.error)})`).join(', ')}`);
  return [
    escapeControls(h.name), h.vip, paint(o.colour, STATE_COLOUR[h.state], h.state), `${ago(h.since, now)} ago`, String(h.restarts),
    String(h.connections.in + h.connections.out), bytes(h.bytes.in), bytes(h.bytes.out), rate(h.rate.in), rate(h.rate.out), notes.join('; ') || '-',
  ];
}

/**
 * `udp: 1,204 out, 1,198 in, 3 flows, 12 dropped (10 × flow-limit, 2 × host-down)`, or '' for a
 * host that neither sent nor received a datagram: UDP is not in the byte columns (TCP's).
 */
export function describeUdp(u: HostSnapshot['udp'] | undefined): string {
  // A router of an older version sends no `udp`.
  if (!u) return '';
  const drops = new Map<string, number>();
  for (const by of [u.dropped.router, u.dropped.agent]) for (const [k, n] of Object.entries(by)) drops.set(k, (drops.get(k) ?? 0) + n);
  const dropped = [...drops.values()].reduce((a, b) => a + b, 0);
  const flows = u.flows.clients + u.flows.targets;
  if (u.datagrams.in + u.datagrams.out + dropped + flows === 0) return '';
  const parts = [`${u.datagrams.out} out`, `${u.datagrams.in} in`];
  if (flows) parts.push(`${flows} ${flows === 1 ? 'flow' : 'flows'}`);
  if (dropped) parts.push(`${dropped} dropped (${[...drops].map(([k, n]) => `${n} × ${escapeControls(k)}`).join(', ')})`);
  return `udp: ${parts.join(', ')}`;
}

/** At most DISCOVERED_SHOWN ports, each with how long it has been published: `8080 (2m05s), 9000 (5s), +3 more`. */
const DISCOVERED_SHOWN = 6;

function describeDiscovered(list: HostSnapshot['discovered'], now: string): string {
  const shown = list.slice(0, DISCOVERED_SHOWN).map((d) => `${d.port}${d.proto === 'udp' ? '/udp' : ''} (${ago(d.since, now)})`);
  return `${shown.join(', ')}${list.length > DISCOVERED_SHOWN ? `, +${list.length - DISCOVERED_SHOWN} more` : ''}`;
}

function reloadResult(result: string, o: RenderOptions): string {
  return paint(o.colour, result === 'applied' ? 'green' : 'red', result);
}

/** Whether every host of every snapshot is up: what `status` exits 0 on. */
export function allUp(snapshots: readonly Snapshot[]): boolean {
  return snapshots.every((s) => s.hosts.every((h) => h.state === 'up'));
}
