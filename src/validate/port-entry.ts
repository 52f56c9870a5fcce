/**
 * One `ports` entry checked in full by parseForward (the same parser the agent uses for
 * --forward), shared by the schema mapping and the semantic checks so a bad entry gets one
 * message whichever of them notices it first.
 */
import { parseForward } from '../plan/agent-args.js';
import type { Forward } from '../plan/types.js';
import { describePath } from './pointer.js';

export type PortEntry = { ok: true; forward: Forward } | { ok: false; message: string };

export function checkPortEntry(segments: readonly string[], text: string): PortEntry {
  const r = parseForward(text);
  return r.ok ? { ok: true, forward: r.value } : { ok: false, message: `${describePath(segments)}: ${r.error}` };
}
