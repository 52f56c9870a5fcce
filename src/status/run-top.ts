/**
 * `norouter top [FILE]` (docs/status.md): a live full-terminal view, redrawn every second on the
 * alternate screen, like top(1): `q` or Ctrl-C quits and the terminal is left as it was (main
 * screen, cursor shown, raw mode off), on an error too. Not a terminal: one plain-text screen, then
 * exit (as `top -b -n 1`).
 */
import type { ReadStream, WriteStream } from 'node:tty';
import type { Readable, Writable } from 'node:stream';
import { EXIT_NO_MESH, EXIT_OK } from '../meta/exit-codes.js';
import { askMeshes } from './control-client.js';
import { renderTop } from './render-top.js';

export const TOP_INTERVAL_MS = 1_000;

export interface TopIo {
  stdin: Readable;
  stdout: Writable;
  colour: boolean;
  env?: NodeJS.ProcessEnv;
}

const ENTER = '\x1b[?1049h\x1b[?25l';
const LEAVE = '\x1b[?25h\x1b[?1049l';

export async function runTop(io: TopIo, file: string | undefined): Promise<number> {
  const env = io.env ?? process.env;
  const unicode = /utf-?8/i.test(env.LC_ALL || env.LC_CTYPE || env.LANG || '');
  const out = io.stdout as WriteStream;
  const input = io.stdin as ReadStream;
  if (!out.isTTY) {
    const answers = await askMeshes(file, true);
    const snapshots = answers.flatMap((a) => (a.ok ? [a.snapshot] : []));
    io.stdout.write(`${renderTop(snapshots, { width: 200, height: 1000, colour: false, unicode }).join('\n')}\n`);
    return snapshots.length ? EXIT_OK : EXIT_NO_MESH;
  }
  return new Promise<number>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const raw = input.isTTY === true;
    const restore = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      input.off('data', onKey);
      out.off('resize', draw);
      if (raw) input.setRawMode(false);
      input.pause();
      process.off('SIGINT', quit);
      process.off('SIGTERM', quit);
      out.write(LEAVE);
      resolve(EXIT_OK);
    };
    const quit = () => restore();
    const onKey = (key: Buffer) => {
      // q, Q, Ctrl-C (raw mode turns it into a byte, not a signal), Ctrl-D.
      if (key.includes(0x71) || key.includes(0x51) || key.includes(0x03) || key.includes(0x04)) restore();
    };
    let drawing = false;
    const draw = async () => {
      if (done || drawing) return;
      drawing = true;
      try {
        const answers = await askMeshes(file, true, env);
        if (done) return;
        const snapshots = answers.flatMap((a) => (a.ok ? [a.snapshot] : []));
        const lines = renderTop(snapshots, { width: out.columns || 80, height: out.rows || 24, colour: io.colour, unicode });
        out.write(`\x1b[H${lines.map((l) => `${l}\x1b[K`).join('\r\n')}\x1b[J`);
      } finally {
        drawing = false;
      }
    };
    const tick = () => {
      void draw().finally(() => {
        if (!done) timer = setTimeout(tick, TOP_INTERVAL_MS);
      });
    };
    process.on('SIGINT', quit);
    process.on('SIGTERM', quit);
    out.write(ENTER);
    if (raw) input.setRawMode(true);
    input.on('data', onKey);
    input.resume();
    out.on('resize', draw);
    tick();
  });
}
