/**
 * One screen of `norouter top` (docs/status.md): per host its rate over the last minute as a
 * sparkline, then the busiest connections, then the latest events, cut to the terminal's size.
 * Pure: snapshots in, lines out. Block characters only where the terminal's locale is UTF-8;
 * elsewhere (a C locale over ssh, an old tmux) plain ASCII.
 */
import { escapeControls } from '../terminal/safe-text.js';
import { clip, paint, table } from './paint.js';
import { STATE_COLOUR } from './render-status.js';
import { HISTORY_SECONDS, type Snapshot } from './snapshot.js';
import { bytes, duration, rate, timeOfDay } from './units.js';

export interface TopOptions {
  width: number;
  height: number;
  colour: boolean;
  unicode: boolean;
}

const BLOCKS = ' ▁▂▃▄▅▆▇█';
const ASCII = ' .:-=+*#@';

export function sparkline(history: readonly number[], width: number, unicode: boolean): string {
  const chars = unicode ? BLOCKS : ASCII;
  const values = [...Array<number>(Math.max(0, width - history.length)).fill(0), ...history.slice(-width)];
  const max = Math.max(0, ...values);
  return values.map((v) => (max === 0 || v === 0 ? chars[0] : chars[Math.max(1, Math.round((v / max) * (chars.length - 1)))])).join('');
}

/** A host's datagrams (in + out, as the router forwarded them) and those dropped from or by it: `1204/12`. */
function udpCell(h: Snapshot['hosts'][number]): string {
  if (!h.udp) return '-';
  let dropped = 0;
  for (const by of [h.udp.dropped.router, h.udp.dropped.agent]) for (const n of Object.values(by)) dropped += n;
  return `${h.udp.datagrams.in + h.udp.datagrams.out}/${dropped}`;
}

export function renderTop(snapshots: readonly Snapshot[], o: TopOptions): string[] {
  const lines: string[] = [];
  const now = snapshots[0]?.mesh.now;
  lines.push(paint(o.colour, 'bold', `norouter top — ${snapshots.length} ${snapshots.length === 1 ? 'mesh' : 'meshes'}${now ? `, ${timeOfDay(now)}` : ''}   (q to quit)`));
  if (snapshots.length === 0) lines.push('', 'no norouter mesh of this user is running');
  for (const s of snapshots) {
    // UDP only where there is some (a snapshot of an older router has none): TCP's columns stay as they were.
    const t = s.totals;
    const udp = (t.datagrams ?? 0) + (t.datagramsDropped ?? 0) > 0;
    lines.push('', `${paint(o.colour, 'bold', escapeControls(s.mesh.manifest))}: ${t.up}/${t.hosts} up, ${t.connections} connections, ${rate(t.rate)}, ${bytes(t.bytes)} in all${udp ? `, ${t.datagrams} datagrams (${t.datagramsDropped} dropped)` : ''}`);
    const rows = s.hosts.map((h) => [
      escapeControls(h.name), h.vip, paint(o.colour, STATE_COLOUR[h.state], h.state), String(h.connections.in + h.connections.out),
      rate(h.rate.in), rate(h.rate.out), ...(udp ? [udpCell(h)] : []), paint(o.colour, 'cyan', sparkline(h.history ?? [], HISTORY_SECONDS, o.unicode)),
    ]);
    const head = ['HOST', 'VIP', 'STATE', 'CONNS', 'IN/s', 'OUT/s', ...(udp ? ['DGRAMS/DROPPED'] : []), `LAST ${HISTORY_SECONDS} s`];
    lines.push(...table([head.map((c) => paint(o.colour, 'dim', c)), ...rows], new Set(udp ? [3, 4, 5, 6] : [3, 4, 5])));
  }
  const conns = snapshots.flatMap((s) => s.connections).sort((a, b) => b.rate - a.rate || (b.sent + b.received) - (a.sent + a.received));
  lines.push('', paint(o.colour, 'bold', 'busiest connections'));
  if (conns.length === 0) lines.push('  none');
  else {
    lines.push(...table([
      ['FROM', 'TO', 'SENT', 'RECEIVED', 'RATE', 'AGE'].map((c) => paint(o.colour, 'dim', c)),
      ...conns.map((c) => [`${escapeControls(c.from.host)} ${c.from.address}`, `${escapeControls(c.to.host)} ${c.to.address}`, bytes(c.sent), bytes(c.received), rate(c.rate), duration(c.ageMs)]),
    ], new Set([2, 3, 4, 5])));
  }
  const events = snapshots.flatMap((s) => s.events).sort((a, b) => a.at.localeCompare(b.at));
  lines.push('', paint(o.colour, 'bold', 'latest events'));
  // The events fill what is left of the screen, newest last; the rest above is cut first.
  const room = Math.max(1, o.height - lines.length);
  const shown = events.slice(-room);
  if (shown.length === 0) lines.push('  none');
  for (const e of shown) lines.push(`  ${timeOfDay(e.at)}  ${paint(o.colour, e.kind === 'up' || e.kind === 'reload' ? 'green' : 'yellow', e.kind.padEnd(13))} ${e.host ? `${escapeControls(e.host)}: ` : ''}${escapeControls(e.text)}${e.count > 1 ? ` (× ${e.count})` : ''}`);
  return lines.slice(0, o.height).map((l) => clip(l, o.width));
}
