/**
 * `norouter status [FILE]` (docs/status.md): asks the mesh of FILE, or every mesh of this user,
 * and prints a table per mesh, or JSON. With `watch`, again every second, in place on a terminal.
 * Exit: 0 when every host is up, EXIT_NOT_UP when one is not, EXIT_NO_MESH when no mesh answered.
 */
import type { Writable } from 'node:stream';
import { EXIT_NO_MESH, EXIT_NOT_UP, EXIT_OK } from '../meta/exit-codes.js';
import { escapeControls } from '../terminal/safe-text.js';
import { askMeshes, type MeshAnswer } from './control-client.js';
import { allUp, renderStatus } from './render-status.js';
import { SNAPSHOT_VERSION, type Snapshot } from './snapshot.js';

export interface StatusIo {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable;
}

export interface StatusFlags {
  file?: string;
  json: boolean;
  watch: boolean;
  colour: boolean;
  /** Stops a watch (tests); by default SIGINT does. */
  signal?: AbortSignal;
}

export const WATCH_INTERVAL_MS = 1_000;

export async function runStatus(io: StatusIo, flags: StatusFlags): Promise<number> {
  if (!flags.watch) return once(io, flags, false);
  const inPlace = io.stdout.isTTY === true && !flags.json;
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  flags.signal?.addEventListener('abort', stop);
  let code = EXIT_OK;
  try {
    while (!controller.signal.aborted) {
      code = await once(io, flags, inPlace);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, WATCH_INTERVAL_MS);
        controller.signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
      });
    }
  } finally {
    process.off('SIGINT', stop);
  }
  // The terminal echoed ^C on the table's last line: what comes next starts on a line of its own.
  if (inPlace) io.stdout.write('\n');
  return code;
}

async function once(io: StatusIo, flags: StatusFlags, inPlace: boolean): Promise<number> {
  const answers = await askMeshes(flags.file);
  const snapshots = answers.flatMap((a) => (a.ok ? [a.snapshot] : []));
  const failed = answers.filter((a): a is Exclude<MeshAnswer, { ok: true }> => !a.ok);
  const code = snapshots.length === 0 ? EXIT_NO_MESH : allUp(snapshots) ? EXIT_OK : EXIT_NOT_UP;
  if (flags.json) {
    const errors = failed.map((f) => ({ socket: f.socket, code: f.code, message: f.message }));
    io.stdout.write(`${JSON.stringify({ version: SNAPSHOT_VERSION, meshes: snapshots, errors }, null, flags.watch ? undefined : 2)}\n`);
    return code;
  }
  const text = render(snapshots, failed, flags);
  // In place: home, the text, then clear what is left of the previous one.
  io.stdout.write(inPlace ? `\x1b[H${text.replace(/\n/g, '\x1b[K\n')}\x1b[J` : text);
  return code;
}

function render(snapshots: readonly Snapshot[], failed: readonly Exclude<MeshAnswer, { ok: true }>[], flags: StatusFlags): string {
  const parts = snapshots.map((s) => renderStatus(s, { colour: flags.colour }));
  for (const f of failed) parts.push(`${escapeControls(f.message)}\n`);
  if (snapshots.length === 0 && failed.every((f) => f.code === 'not-running')) {
    return flags.file !== undefined
      ? `no norouter is running ${escapeControls(flags.file)} (started with \`norouter run ${escapeControls(flags.file)}\` by this user, it would answer on ${escapeControls(failed[0]?.socket ?? '')})\n`
      : 'no norouter mesh of this user is running\n';
  }
  return parts.join('\n');
}
