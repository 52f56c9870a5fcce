/**
 * The soak's load (bench/soak.ts), one process per host and round, run inside the
 * host's network namespace:
 *   node --import tsx bench/lib/soak-client.ts '{"targets":[…],"count":N,"concurrency":C,"seed":S,"timeoutMs":T}'
 * Opens COUNT connections to the targets (VIP:port through the mesh), CONCURRENCY at a time, each
 * with a random payload and a random way of closing, and checks every byte that comes back:
 *   echo    the fixture echo server (test/fixtures/bin/tcp-server.mjs): every byte received is
 *           compared with the byte sent at that offset; closed by half-close and EOF, by end()
 *           after the whole echo, or by destroy() after it
 *   upload  the fixture upload server: half-close, then its `BYTES SHA256` answer must match
 *   abort   a few connections are reset on purpose part-way, to an echo server once some echo
 *           came back, to an upload server once the kernel took the bytes (the error paths
 *           leak first, so they are in the mix); they
 *           count as aborted, not failed, and check no bytes
 * Prints one JSON line: counts, bytes checked (each direction counted), errors by kind.
 */
import { connect } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { prng } from '../../test/protocol/prng.js';

export interface SoakTarget {
  host: string;
  port: number;
  kind: 'echo' | 'upload';
}

export interface SoakClientArgs {
  targets: SoakTarget[];
  count: number;
  concurrency: number;
  seed: number;
  timeoutMs: number;
}

export interface SoakClientResult {
  done: number;
  failed: number;
  aborted: number;
  bytesChecked: number;
  seconds: number;
  /** Failures by kind (error code or what did not match), and the first few in full. */
  errors: Record<string, number>;
  examples: string[];
  styles: Record<string, number>;
}

/** Payloads are slices of one random pool at random offsets: different per connection, cheap to make. */
const POOL = randomBytes(1024 * 1024);
/** Share of connections reset on purpose. */
const ABORT_SHARE = 0.03;

type Style = 'half-close' | 'end-after-echo' | 'destroy-after-echo' | 'upload' | 'abort';

/** 0 B to 512 KiB, most small: 5% empty, 45% ≤ 4 KiB, 35% ≤ 64 KiB, 15% ≤ 512 KiB (mean ≈ 50 KiB). */
function pickSize(r: () => number): number {
  const x = r();
  if (x < 0.05) return 0;
  if (x < 0.5) return 1 + Math.floor(r() * 4096);
  if (x < 0.85) return 1 + Math.floor(r() * 65536);
  return 1 + Math.floor(r() * 524288);
}

function pickStyle(r: () => number, kind: SoakTarget['kind']): Style {
  if (r() < ABORT_SHARE) return 'abort';
  if (kind === 'upload') return 'upload';
  const x = r();
  return x < 0.4 ? 'half-close' : x < 0.7 ? 'end-after-echo' : 'destroy-after-echo';
}

type Outcome = { ok: true; checked: number } | { ok: false; why: string; detail: string } | { aborted: true };

function one(target: SoakTarget, size: number, style: Style, offset: number, timeoutMs: number): Promise<Outcome> {
  const payload = POOL.subarray(offset, offset + size);
  return new Promise((resolve) => {
    const s = connect({ host: target.host, port: target.port, allowHalfOpen: true, noDelay: true });
    const what = `${style} ${size} B to ${target.host}:${target.port}`;
    let got = 0;
    let outcome: Outcome | undefined;
    const settle = (o: Outcome): void => {
      outcome ??= o;
    };
    const fail = (why: string, detail: string): void => {
      settle({ ok: false, why, detail: `${what}: ${detail}` });
      s.destroy();
    };
    const timer = setTimeout(() => fail('timeout', `no close within ${timeoutMs} ms (${got} B received)`), timeoutMs);
    // The connection counts only once its socket is closed: nothing of it is left on our side.
    s.once('close', () => {
      clearTimeout(timer);
      resolve(outcome ?? { ok: false, why: 'closed-early', detail: `${what}: closed after ${got} B` });
    });
    s.on('error', (e: NodeJS.ErrnoException) => fail(e.code ?? 'error', e.message));

    if (style === 'abort') {
      // Part of the payload, then a reset.
      const reset = (): void => {
        settle({ aborted: true });
        s.resetAndDestroy();
      };
      // An echo server is answering when the reset comes; an upload server is still reading.
      s.once('connect', () => {
        s.write(payload.subarray(0, Math.ceil(size / 2)), () => {
          if (target.kind === 'upload' || size < 2) reset();
        });
      });
      s.once('data', reset);
      return;
    }
    if (style === 'upload') {
      const expected = `${size} ${createHash('sha256').update(payload).digest('hex')}\n`;
      const answer: Buffer[] = [];
      s.on('data', (d: Buffer) => answer.push(d));
      s.on('end', () => {
        const text = Buffer.concat(answer).toString();
        if (text === expected) settle({ ok: true, checked: size });
        else fail('upload-mismatch', `expected ${JSON.stringify(expected)}, got ${JSON.stringify(text.slice(0, 200))}`);
      });
      s.end(payload);
      return;
    }
    // Echo: compare every chunk with the bytes sent at that offset.
    s.on('data', (d: Buffer) => {
      if (got + d.length > size) return fail('echo-too-long', `${got + d.length} B echoed for ${size} sent`);
      if (!d.equals(payload.subarray(got, got + d.length))) return fail('echo-mismatch', `bytes differ within [${got}, ${got + d.length})`);
      got += d.length;
      if (got < size) return;
      if (style === 'end-after-echo') s.end();
      else if (style === 'destroy-after-echo') {
        settle({ ok: true, checked: 2 * size });
        s.destroy();
      }
    });
    s.on('end', () => {
      if (got === size) settle({ ok: true, checked: 2 * size });
      else fail('echo-short', `EOF after ${got} of ${size} B`);
    });
    if (style === 'half-close') s.end(payload);
    else {
      s.write(payload);
      if (size === 0) {
        if (style === 'end-after-echo') s.end();
        else {
          settle({ ok: true, checked: 0 });
          s.once('connect', () => s.destroy());
        }
      }
    }
  });
}

async function runSoakClient(a: SoakClientArgs): Promise<SoakClientResult> {
  // Seeded, so that a failing mix of sizes and styles can be replayed (--seed).
  const r = prng(a.seed).next;
  const result: SoakClientResult = { done: 0, failed: 0, aborted: 0, bytesChecked: 0, seconds: 0, errors: {}, examples: [], styles: {} };
  let next = 0;
  const t0 = process.hrtime.bigint();
  const loop = async (): Promise<void> => {
    while (next < a.count) {
      next++;
      const target = a.targets[Math.floor(r() * a.targets.length)];
      if (!target) throw new Error('Assertion failed: no targets');
      const size = pickSize(r);
      const style = pickStyle(r, target.kind);
      const offset = Math.floor(r() * (POOL.length - size + 1));
      result.styles[style] = (result.styles[style] ?? 0) + 1;
      const o = await one(target, size, style, offset, a.timeoutMs);
      if ('aborted' in o) result.aborted++;
      else if (o.ok) {
        result.done++;
        result.bytesChecked += o.checked;
      } else {
        result.failed++;
        result.errors[o.why] = (result.errors[o.why] ?? 0) + 1;
        if (result.examples.length < 10) result.examples.push(o.detail);
      }
    }
  };
  await Promise.all(Array.from({ length: a.concurrency }, loop));
  result.seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return result;
}

const args = JSON.parse(process.argv[2] ?? '{}') as SoakClientArgs;
process.stdout.write(`${JSON.stringify(await runSoakClient(args))}\n`);
