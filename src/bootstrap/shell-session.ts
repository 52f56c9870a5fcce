/**
 * The router's side of the shell route (docs/protocol.md §12.1): writes shell-script.ts's script
 * on the host's stdin, answers its `NRSH1` lines (sending the runtime when it asks), and at
 * `NRSH1 exec` writes the agent's bootstrap stream (§12) and hands the pipes over for the link.
 * Whatever the host's shell prints that is not an `NRSH1` line (a login banner) is skipped, up
 * to a bound.
 */
import { createReadStream } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { SHELL_LINE_PREFIX } from './constants.js';
import type { RuntimeSource } from './runtime-provider.js';
import { shellScript } from './shell-script.js';
import { TransferMeter } from './transfer-meter.js';

/** Output before the script's first line that is tolerated (motd, a noisy profile). */
export const MAX_NOISE = 64 * 1024;
/** How long the host may stay silent while the script runs (an ssh login, a slow `node -p`). */
export const SILENCE_MS = 45_000;

export type ShellOutcome =
  | { ok: true; route: 'node' | 'runtime'; detail: string; uploaded?: { bytes: number; ms: number } }
  | { ok: false; problem?: string };

export interface ShellSessionOptions {
  host: string;
  stdin: Writable;
  stdout: Readable;
  source: RuntimeSource;
  /** The agent's bootstrap stream (§12), written once the script execs node. */
  agentStream: Buffer;
  cacheDir?: string;
  log(line: string): void;
  /** Kills the command: the session gave up (silence, garbage). */
  abort(): void;
}

export async function runShellSession(o: ShellSessionOptions): Promise<ShellOutcome> {
  const runtime = await o.source.runtime();
  return new Promise<ShellOutcome>((resolve) => {
    let buffered = Buffer.alloc(0);
    let noise = 0;
    let done = false;
    let uploaded: { bytes: number; ms: number } | undefined;
    let timer: NodeJS.Timeout | undefined;
    const NO_ANSWER = `no answer from its shell for ${SILENCE_MS / 1000} s`;
    /** What the silence timer says when it fires: the shell is silent, or it stopped reading. */
    let silence = NO_ANSWER;
    /** (Re)starts the silence timer; a finished session has none. */
    const quiet = () => {
      clearTimeout(timer);
      if (done) return;
      timer = setTimeout(() => fail(silence), SILENCE_MS);
      timer.unref();
    };
    const finish = (outcome: ShellOutcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      o.stdout.off('data', onData);
      o.stdout.off('end', onEnd);
      resolve(outcome);
    };
    const fail = (problem: string) => {
      finish({ ok: false, problem });
      o.abort();
    };
    const onEnd = () => finish({ ok: false });
    const onData = (chunk: Buffer) => {
      quiet();
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        const nl = buffered.indexOf(0x0a);
        if (nl < 0) break;
        const line = buffered.subarray(0, nl).toString('utf8');
        buffered = buffered.subarray(nl + 1);
        if (!line.startsWith(`${SHELL_LINE_PREFIX} `)) {
          noise += line.length + 1;
          if (noise > MAX_NOISE) return fail(`its shell printed more than ${MAX_NOISE} bytes that are not the bootstrap script's; is the command's last word a POSIX shell?`);
          continue;
        }
        const words = line.slice(SHELL_LINE_PREFIX.length + 1).split(' ');
        if (words[0] === 'exec') {
          // The script has parsed all of itself: what follows on stdin is the agent's.
          o.stdout.pause();
          if (buffered.length) o.stdout.unshift(buffered);
          o.stdin.write(o.agentStream);
          const detail = words.slice(2).join(' ');
          return finish({ ok: true, route: words[1] === 'node' ? 'node' : 'runtime', detail, ...(uploaded ? { uploaded } : {}) });
        }
        if (words[0] === 'upload') {
          clearTimeout(timer);
          void upload(words.slice(1).join(' ')).then((u) => { uploaded = u; quiet(); }, (error: unknown) => {
            o.log(`${o.host}: cannot send the Node runtime: ${(error as Error).message}`);
            // The script then exits with its own status and says the router has no runtime.
            o.stdin.write('none\n');
            quiet();
          });
        } else if (words[0] === 'note' && words[1] === 'damaged') {
          o.log(`${o.host}: the Node runtime cached in ${words.slice(2).join(' ')} was damaged; it was removed and is sent again`);
        }
      }
      if (buffered.length > MAX_NOISE) fail('its shell printed a line longer than 64 KiB');
    };
    const upload = async (dir: string): Promise<{ bytes: number; ms: number }> => {
      if (!('id' in runtime)) throw new Error(runtime.unavailable);
      const archive = await o.source.archive();
      const meter = new TransferMeter(o.host, archive.size, o.log);
      meter.start(`sending the Node runtime (node ${process.version}, ${runtime.files.length - 2} libraries and loader, ${(archive.size / 1e6).toFixed(1)} MB gzipped) to ${dir}`);
      o.stdin.write(`${archive.size}\n`);
      // A host (or an ssh link) that stops reading mid-transfer would hold the start for good: the
      // silence timer covers the transfer too, re-armed by every chunk the host accepts.
      silence = `the Node runtime's transfer stalled: the host accepted nothing for ${SILENCE_MS / 1000} s`;
      quiet();
      try {
        for await (const chunk of createReadStream(archive.path, { highWaterMark: 1 << 20 })) {
          if (done || o.stdin.destroyed) break;
          const c = chunk as Buffer;
          if (!o.stdin.write(c)) await new Promise<void>((r) => { const go = () => { o.stdin.off('close', go); o.stdin.off('drain', go); r(); }; o.stdin.once('drain', go); o.stdin.once('close', go); });
          meter.add(c.length);
          quiet();
        }
      } finally {
        silence = NO_ANSWER;
      }
      return meter.finish();
    };
    quiet();
    o.stdout.on('data', onData);
    o.stdout.on('end', onEnd);
    o.stdin.write(shellScript({ runtime, ...(o.cacheDir !== undefined ? { cacheDir: o.cacheDir } : {}) }));
  });
}
