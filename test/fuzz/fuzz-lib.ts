/**
 * docs/reliability.md, "Fuzzing": the fuzz targets shared by the bounded runs in the test suite
 * (test/fuzz/*.test.ts, ~5 s in all) and the long runs of `node --import tsx scripts/fuzz.mjs
 * --seconds N`. Each target takes a seed, builds an input from it (random bytes, or a valid
 * stream mutated by bit flips, truncations, splices, Len rewrites), runs it through the code under
 * test and returns the first broken invariant as a Failure, with the input, so that it can be
 * saved under test/fixtures/fuzz/ and replayed forever (test/fuzz/regressions.test.ts).
 *
 * Invariants (docs/protocol.md §8.2, §8.1; every buffer fed by input is bounded):
 * - decoder: push() never throws and returns; bufferedBytes ≤ MAX_FRAME_LEN + 4 after every push;
 *   after its first error it emits nothing more and `live` is false; every frame it emits passes
 *   checkFrame; the frames and the error do not depend on how the input is chunked, nor on
 *   zeroCopyData (differential check against the same bytes in one chunk).
 * - control: decodeControl() never throws; it returns a message or a ProtocolError; a message
 *   re-encodes to a payload that decodes to the same message.
 * - mux: receive() never throws; it returns undefined or a ProtocolError; credit and window
 *   accounting stay within [0, MAX_WINDOW]; bytes held for a dialling connection stay within
 *   PRE_OPEN_WINDOW.
 */
import {
  FLAG_ABORT, FLAG_CLOSE_WRITE, FLAG_FROM_ACCEPTOR, FLAG_OPEN, FLAG_OPEN_OK, FLAG_WINDOW, FrameDecoder,
  FrameEncoder, MAX_DATA_PAYLOAD, MAX_FRAME_LEN, MAX_WINDOW, PRE_OPEN_WINDOW, PROTO_CONTROL, PROTO_TCP,
  ProtocolError, abortPayload, checkFrame, controlPayload, decodeControl, makeHello, payloadLength,
  u32Payload, type ControlMessage, type DecodedControl, type Frame, type FrameHeader,
} from '../../src/protocol/index.js';
import { Mux, type MuxConnection, type MuxFault } from '../../src/mux/index.js';
import { prng } from '../protocol/prng.js';

export type Rand = ReturnType<typeof prng>;
export type Target = 'decoder' | 'control' | 'mux';
export const TARGETS: readonly Target[] = ['decoder', 'control', 'mux'];

/** A broken invariant and the input that broke it (chunks as fed, hex in fixtures). */
export interface Failure {
  target: Target;
  seed: number;
  problem: string;
  chunks: Buffer[];
}

/** What one run of a target covered, for the figures in docs/reliability.md. */
export interface RunStats {
  inputs: number;
  bytes: number;
}

/** The largest a decoder may hold: one frame's Len plus the 4 bytes of Len itself. */
export const DECODER_BOUND = MAX_FRAME_LEN + 4;

const L = 0x7f002a65; // 127.0.42.101: the fuzzed mux's own VIP
const P = 0x7f002a66; // 127.0.42.102: its peer
const CONTROL: FrameHeader = { srcIP: 0, srcPort: 0, dstIP: 0, dstPort: 0, proto: PROTO_CONTROL, flags: 0 };

// ---- inputs ------------------------------------------------------------------------------------

function bytes(r: Rand, n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = r.int(0, 255);
  return b;
}

function controlMessage(r: Rand): ControlMessage {
  switch (r.int(0, 6)) {
    case 0: return { type: 'hello', hello: makeHello(r.next() < 0.5 ? 'agent' : 'router', '127.0.42.101', '0.1.0', ['config', 'peer-down']) };
    case 1: return { type: 'ping', nonce: BigInt(r.int(0, 2 ** 31)) };
    case 2: return { type: 'pong', nonce: BigInt(r.int(0, 2 ** 31)) };
    case 3: return {
      type: 'config',
      config: {
        me: '127.0.42.101',
        forwards: [{ listenPort: r.int(1, 65535), connectHost: '127.0.0.1', connectPort: r.int(1, 65535), proto: 'tcp' }],
        others: [{ vip: '127.0.42.102', port: r.int(1, 65535), proto: 'tcp' }],
      },
    };
    case 4: return { type: 'peer-down', vip: P };
    case 5: return { type: 'goodbye', reason: 'protocol-error', message: 'x'.repeat(r.int(0, 40)) };
    default: return { type: 'unknown', code: r.int(7, 255) };
  }
}

/**
 * A plausible conversation towards the mux at L from P: OPENs on a few source ports (so that
 * duplicates and reuse happen), data, CLOSE_WRITE, WINDOW, ABORT, and FROM_ACCEPTOR frames for
 * the connections the mux itself opened (source ports 1024…1027), with control frames between.
 */
function tcpFrame(r: Rand): { header: FrameHeader; payload: Buffer } {
  const srcPort = r.int(40000, 40003);
  const dstPort = r.pick([80, 8080]);
  const mine = r.int(1024, 1027);
  const fromPeer = (flags: number, payload: Buffer) => ({ header: { srcIP: P, srcPort, dstIP: L, dstPort, proto: PROTO_TCP, flags }, payload });
  const fromAcceptor = (flags: number, payload: Buffer) => ({ header: { srcIP: P, srcPort: 9000, dstIP: L, dstPort: mine, proto: PROTO_TCP, flags: flags | FLAG_FROM_ACCEPTOR }, payload });
  const size = () => r.pick([1, 20, r.int(1, 4096), 16 * 1024 + 1, r.int(1, MAX_DATA_PAYLOAD), MAX_DATA_PAYLOAD]);
  const window = () => u32Payload(r.pick([PRE_OPEN_WINDOW, 1 << 20, r.int(0, 2 ** 32 - 1), MAX_WINDOW]));
  const either = r.next() < 0.5 ? fromPeer : fromAcceptor;
  switch (r.int(0, 7)) {
    case 0: return fromPeer(FLAG_OPEN, window());
    case 1: return fromAcceptor(FLAG_OPEN_OK, window());
    case 2: return either(FLAG_WINDOW, u32Payload(r.pick([1, 1 << 19, r.int(0, 2 ** 32 - 1)])));
    case 3: return either(FLAG_ABORT, abortPayload(r.pick(['reset', 'refused', 'policy']), 'fuzz'));
    case 4: return either(FLAG_CLOSE_WRITE, bytes(r, r.pick([0, 0, size()])));
    default: return either(0, bytes(r, size()));
  }
}

/** A valid stream: frames the decoder must accept one by one. */
export function validStream(r: Rand, maxFrames = 24): Buffer {
  const enc = new FrameEncoder();
  const n = r.int(1, maxFrames);
  for (let i = 0; i < n; i++) {
    if (r.next() < 0.3) enc.add(CONTROL, controlPayload(controlMessage(r)));
    else {
      const { header, payload } = tcpFrame(r);
      enc.add(header, payload);
    }
  }
  return Buffer.concat(enc.take());
}

/** One input: random bytes, or a valid stream mutated in one or more ways. */
export function fuzzInput(r: Rand): Buffer {
  const kind = r.int(0, 9);
  if (kind === 0) return bytes(r, r.int(0, 4096));
  let b = Buffer.from(validStream(r));
  const mutations = r.int(1, 3);
  for (let m = 0; m < mutations; m++) {
    switch (r.int(0, 6)) {
      case 0: { // bit flips
        const flips = r.int(1, 8);
        for (let i = 0; i < flips && b.length; i++) {
          const at = r.int(0, b.length - 1);
          b[at] = (b[at] ?? 0) ^ (1 << r.int(0, 7));
        }
        break;
      }
      case 1: // truncation
        b = b.subarray(0, r.int(0, b.length));
        break;
      case 2: { // splice of two valid streams at arbitrary cut points
        const other = validStream(r);
        b = Buffer.concat([b.subarray(0, r.int(0, b.length)), other.subarray(r.int(0, other.length))]);
        break;
      }
      case 3: { // a Len rewritten to an edge value
        if (b.length < 4) break;
        const at = r.next() < 0.5 ? 0 : r.int(0, b.length - 4);
        b.writeUInt32LE(r.pick([0, 15, 16, 17, MAX_FRAME_LEN, MAX_FRAME_LEN + 1, 0xffffffff, r.int(0, 2 ** 32 - 1)]) >>> 0, at);
        break;
      }
      case 4: // random bytes inserted
        b = Buffer.concat([b.subarray(0, r.int(0, b.length)), bytes(r, r.int(1, 64)), b.subarray(r.int(0, b.length))]);
        break;
      case 5: { // a header field rewritten (proto, flags or a port) at a random offset
        if (b.length < 2) break;
        b.writeUInt16LE(r.pick([0, 1, 6, 17, 0x8000, 0x8001, 0xffff, r.int(0, 65535)]), r.int(0, b.length - 2));
        break;
      }
      default: { // a range duplicated (a frame repeated, e.g. a second OPEN)
        const from = r.int(0, b.length);
        const to = r.int(from, Math.min(b.length, from + 200));
        b = Buffer.concat([b.subarray(0, to), b.subarray(from, to), b.subarray(to)]);
      }
    }
  }
  return b;
}

/** Random chunk boundaries, skewed to the awkward ones (1 byte, a header's 20, Len's 4). */
export function rechunk(r: Rand, all: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let off = 0;
  while (off < all.length) {
    const n = r.pick([1, 2, 3, 4, 5, 19, 20, 21, r.int(1, 100), r.int(1, 70_000)]);
    out.push(all.subarray(off, off + n));
    off += n;
  }
  return out;
}

// ---- targets -----------------------------------------------------------------------------------

interface Decoded {
  frames: Frame[];
  error: ProtocolError | undefined;
  problem: string | undefined;
}

function frameKey(f: Frame): string {
  const payload = Buffer.concat([f.payload, ...(f.rest ?? [])]).toString('hex');
  return `${f.srcIP}:${f.srcPort}>${f.dstIP}:${f.dstPort}/${f.proto}/${f.flags}/${payload}`;
}

/** Decodes chunks, checking the invariants that hold along the way. */
export function decodeChunks(chunks: readonly Buffer[], zeroCopyData: boolean, end = true): Decoded {
  const frames: Frame[] = [];
  let error: ProtocolError | undefined;
  let problem: string | undefined;
  const dec = new FrameDecoder({
    onFrame: (f) => {
      if (error) problem ??= 'a frame emitted after the decoder reported an error';
      const bad = checkFrame(f, payloadLength(f));
      if (bad) problem ??= `an illegal frame was emitted: ${bad.message}`;
      // Copy now: a slice may alias a chunk the caller reuses.
      frames.push({ ...f, payload: Buffer.from(f.payload), ...(f.rest ? { rest: f.rest.map((p) => Buffer.from(p)) } : {}) });
    },
    onError: (e) => {
      if (error) problem ??= `a second error after the first: ${e.code}`;
      if (!(e instanceof ProtocolError)) problem ??= 'onError got something that is not a ProtocolError';
      error = e;
    },
  }, { zeroCopyData });
  for (const c of chunks) {
    try {
      dec.push(c);
    } catch (e) {
      return { frames, error, problem: `push() threw: ${(e as Error).stack ?? String(e)}` };
    }
    if (dec.bufferedBytes > DECODER_BOUND) problem ??= `bufferedBytes ${dec.bufferedBytes} > ${DECODER_BOUND}`;
    if (error && dec.live) problem ??= 'the decoder is still live after an error';
  }
  if (end) {
    try {
      dec.end();
    } catch (e) {
      problem ??= `end() threw: ${(e as Error).message}`;
    }
  }
  return { frames, error, problem };
}

/** The decoder target: chunked vs whole, zero-copy vs copying, all invariants. */
export function checkDecoder(chunks: readonly Buffer[]): string | undefined {
  const whole = decodeChunks([Buffer.concat(chunks)], false);
  if (whole.problem) return whole.problem;
  for (const zeroCopy of [false, true]) {
    const split = decodeChunks(chunks, zeroCopy);
    if (split.problem) return `${split.problem} (zeroCopyData ${zeroCopy})`;
    if (split.error?.code !== whole.error?.code) {
      return `chunking changed the outcome: ${split.error?.code ?? 'no error'} chunked vs ${whole.error?.code ?? 'no error'} whole (zeroCopyData ${zeroCopy})`;
    }
    const a = split.frames.map(frameKey);
    const b = whole.frames.map(frameKey);
    if (a.length !== b.length || a.some((k, i) => k !== b[i])) {
      return `chunking changed the frames: ${a.length} chunked vs ${b.length} whole (zeroCopyData ${zeroCopy})`;
    }
  }
  return undefined;
}

/** The control target: every control payload decoded from the input, and the raw input itself. */
export function checkControl(chunks: readonly Buffer[]): string | undefined {
  const all = Buffer.concat(chunks);
  const payloads = [all, ...decodeChunks([all], false, false).frames.filter((f) => f.proto === PROTO_CONTROL).map((f) => f.payload)];
  for (const p of payloads) {
    let msg: DecodedControl | ProtocolError;
    try {
      msg = decodeControl(p);
    } catch (e) {
      return `decodeControl threw on ${p.subarray(0, 64).toString('hex')}: ${(e as Error).message}`;
    }
    if (msg instanceof ProtocolError) continue;
    if (msg.type === 'unknown' || msg.type === 'config-refused') continue;
    let again: DecodedControl | ProtocolError;
    try {
      again = decodeControl(controlPayload(msg));
    } catch (e) {
      return `re-encoding a decoded ${msg.type} threw: ${(e as Error).message}`;
    }
    if (again instanceof ProtocolError) return `a decoded ${msg.type} re-encoded to something that does not decode: ${again.message}`;
    if (JSON.stringify(again, bigints) !== JSON.stringify(msg, bigints)) return `a decoded ${msg.type} does not survive re-encoding`;
  }
  return undefined;
}

const bigints = (_: string, v: unknown): unknown => (typeof v === 'bigint' ? v.toString() : v);

/**
 * The mux target: the TCP frames decoded from the input go to a Mux that has opened four
 * connections itself; its adapter accepts, defers or refuses dials and consumes data at random.
 * After a ProtocolError the link would be closed (§8.1): the mux is torn down with abortAll and
 * a new one continues with the rest of the input.
 */
export function checkMux(chunks: readonly Buffer[], seed: number): string | undefined {
  const r = prng(seed ^ 0x5bd1e995);
  const frames = decodeChunks([Buffer.concat(chunks)], true, false).frames.filter((f) => f.proto === PROTO_TCP);
  let problem: string | undefined;
  let mux: Mux<string>;
  const deferred: MuxConnection<string>[] = [];
  const make = (): Mux<string> => {
    const m: Mux<string> = new Mux<string>({
      localIP: L,
      handlers: {
        send: () => {},
        onOpen: (c) => {
          const roll = r.next();
          if (roll < 0.6) m.accept(c);
          else if (roll < 0.8) deferred.push(c);
          else m.abort(c, 'refused');
        },
        onData: (c, d) => { if (r.next() < 0.8) m.consumed(c, d.length); },
        onEnd: (c) => { if (r.next() < 0.5 && !c.closed && !c.endRequested && c.state === 'open') m.end(c); },
        onAbort: () => {},
        onWritable: () => {},
      },
    });
    for (let i = 0; i < 4; i++) m.open(P, 9000);
    return m;
  };
  mux = make();
  for (const f of frames) {
    let result: MuxFault | undefined;
    try {
      result = mux.receive(f);
      if (deferred.length && r.next() < 0.3) {
        const c = deferred.shift();
        if (c && !c.closed) mux.accept(c);
      }
    } catch (e) {
      return `the mux threw on ${describe(f)}: ${(e as Error).stack ?? String(e)}`;
    }
    if (result !== undefined && result.kind !== 'peer-violation' && result.kind !== 'link-fatal') return `receive() returned ${String(result)}`;
    for (const c of mux.connections()) {
      if (c.sendCredit < 0 || c.sendCredit > MAX_WINDOW) problem ??= `sendCredit ${c.sendCredit} on ${c}`;
      if (c.recvAllowed < 0 || c.recvAllowed > MAX_WINDOW) problem ??= `recvAllowed ${c.recvAllowed} on ${c}`;
      const held = c.held.reduce((n, b) => n + b.length, 0);
      if (held > PRE_OPEN_WINDOW) problem ??= `${held} bytes held while dialling on ${c}`;
    }
    if (problem) return `${problem} after ${describe(f)}`;
    if (result) {
      try {
        mux.abortAll('protocol-error', result.message);
      } catch (e) {
        return `abortAll threw: ${(e as Error).message}`;
      }
      deferred.length = 0;
      mux = make();
    }
  }
  return undefined;
}

function describe(f: Frame): string {
  return `frame ${f.srcIP.toString(16)}:${f.srcPort}>${f.dstIP.toString(16)}:${f.dstPort} flags 0x${f.flags.toString(16)} ${payloadLength(f)}B`;
}

/** Runs one seed of a target. */
export function runOne(target: Target, seed: number, stats?: RunStats): Failure | undefined {
  const r = prng(seed);
  const chunks = rechunk(r, fuzzInput(r));
  const problem = checkChunks(target, chunks, seed);
  if (stats) {
    stats.inputs++;
    for (const c of chunks) stats.bytes += c.length;
  }
  return problem ? { target, seed, problem, chunks } : undefined;
}

export function checkChunks(target: Target, chunks: readonly Buffer[], seed: number): string | undefined {
  switch (target) {
    case 'decoder': return checkDecoder(chunks);
    case 'control': return checkControl(chunks);
    case 'mux': return checkMux(chunks, seed);
  }
}

/**
 * Bugs the fuzzers found that are not fixed yet (docs/reliability.md, "Bugs and gaps found, with
 * proposed patches"), by the problem text they produce. Runs count them apart so that the suite
 * stays green while each has a todo test; remove an entry when its fix lands and the fixture then
 * passes as a plain regression test.
 */
// Both bugs the fuzzer found (GOODBYE text over MAX_ABORT_TEXT; WINDOW before OPEN_OK pushing
// the credit past MAX_WINDOW) are fixed; their inputs stay in test/fixtures/fuzz as regressions.
export const KNOWN_BUGS: readonly { target: Target; pattern: RegExp; bug: string }[] = [];

export function knownBug(f: Failure): string | undefined {
  return KNOWN_BUGS.find((k) => k.target === f.target && k.pattern.test(f.problem))?.bug;
}

/**
 * How long a run goes on: a number of inputs (the test suite: the same inputs whatever the
 * machine is doing) or a time (scripts/fuzz.mjs: as many as fit).
 */
export type RunBound = { inputs: number } | { ms: number };

/**
 * Runs seeds from `firstSeed` until `bound` or `maxFailures` new failures; known bugs are
 * collected apart (the first input of each).
 */
export function runFor(target: Target, bound: RunBound, firstSeed: number, maxFailures = 5): { stats: RunStats; failures: Failure[]; known: Map<string, Failure>; knownCount: number; lastSeed: number } {
  const stats: RunStats = { inputs: 0, bytes: 0 };
  const failures: Failure[] = [];
  const known = new Map<string, Failure>();
  let knownCount = 0;
  const deadline = 'ms' in bound ? Date.now() + bound.ms : Infinity;
  const last = 'inputs' in bound ? firstSeed + bound.inputs : Infinity;
  let seed = firstSeed;
  while (seed < last && Date.now() < deadline && failures.length < maxFailures) {
    const f = runOne(target, seed, stats);
    seed++;
    if (!f) continue;
    const bug = knownBug(f);
    if (bug === undefined) failures.push(f);
    else {
      knownCount++;
      if (!known.has(bug)) known.set(bug, f);
    }
  }
  return { stats, failures, known, knownCount, lastSeed: seed - 1 };
}

/** A fixture file's content (test/fixtures/fuzz/*.json). */
export interface FuzzFixture {
  target: Target;
  seed: number;
  /** What broke when the input was found, and (once fixed) which change fixed it. */
  problem: string;
  chunks: string[];
}

export function toFixture(f: Failure): FuzzFixture {
  return { target: f.target, seed: f.seed, problem: f.problem, chunks: f.chunks.map((c) => c.toString('hex')) };
}

export function fromFixture(x: FuzzFixture): { target: Target; seed: number; chunks: Buffer[] } {
  return { target: x.target, seed: x.seed, chunks: x.chunks.map((h) => Buffer.from(h, 'hex')) };
}
