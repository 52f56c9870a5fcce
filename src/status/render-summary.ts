/**
 * The table `norouter run` prints again after a reload or a restart (src/status/status-service.ts),
 * so that the screen never shows a stale picture: each host's state, since when, its restarts and
 * why it is not up. States are coloured on a terminal.
 */
import { escapeControls } from '../terminal/safe-text.js';
import { paint, table } from './paint.js';
import { STATE_COLOUR } from './render-status.js';
import type { Snapshot } from './snapshot.js';
import { ago } from './units.js';

export function renderSummary(s: Snapshot, colour: boolean, why: string): string {
  const head = `norouter: now (${escapeControls(why)}): ${s.totals.up} of ${s.totals.hosts} hosts up`;
  const rows = s.hosts.map((h) => {
    const notes = [h.why ? escapeControls(h.why) : '', h.notListening.length ? `not listening on ${h.notListening.map((f) => `${escapeControls(f.listen)} (${escapeControls(f.error)})`).join(', ')}` : '']
      .filter(Boolean).join('; ');
    return [escapeControls(h.name), h.vip, paint(colour, STATE_COLOUR[h.state], h.state), `${ago(h.since, s.mesh.now)} ago`, `${h.restarts} restarts`, notes];
  });
  return `${head}\n${table([['HOST', 'VIP', 'STATE', 'SINCE', 'RESTARTS', ''], ...rows]).join('\n')}\n`;
}

/** What the summary shows that a reprint is for: states, listen failures, the last reload. */
export function summaryKey(s: Snapshot): string {
  return JSON.stringify([s.hosts.map((h) => [h.name, h.state, h.why, h.notListening]), s.reloads.count]);
}
