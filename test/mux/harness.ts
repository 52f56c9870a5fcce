/**
 * Two (or more) muxes joined by an in-memory link that goes through the real encoder and
 * decoder, delivering frames only when the test pumps, so tests control every interleaving.
 */
import assert from 'node:assert/strict';
import { FrameDecoder, FrameEncoder, type AbortReason, type Frame, type FrameHeader } from '../../src/protocol/index.js';
import { Mux, type MuxConnection, type MuxHandlers, type PeerViolation } from '../../src/mux/index.js';

export interface Events {
  opened: MuxConnection<Side>[];
  accepted: MuxConnection<Side>[];
  data: Map<MuxConnection<Side>, Buffer[]>;
  ended: MuxConnection<Side>[];
  aborted: { conn: MuxConnection<Side>; reason: AbortReason; text: string; violation?: PeerViolation }[];
  writable: MuxConnection<Side>[];
  closed: MuxConnection<Side>[];
}

/** What the tests keep per connection in `context`. */
export interface Side { label: string }

export class Endpoint {
  readonly mux: Mux<Side>;
  readonly events: Events = { opened: [], accepted: [], data: new Map(), ended: [], aborted: [], writable: [], closed: [] };
  readonly outbox: Frame[] = [];
  /** Called on onOpen; default: accept at once. */
  onOpen: (conn: MuxConnection<Side>) => void = (c) => this.mux.accept(c);
  /** Called on onData; default: consume at once. */
  onData: (conn: MuxConnection<Side>, data: Buffer) => void = (c, d) => this.mux.consumed(c, d.length);
  private readonly enc = new FrameEncoder();

  constructor(localIP: number, initialWindow?: number) {
    const handlers: MuxHandlers<Side> = {
      send: (h: FrameHeader, p?: Buffer) => this.enc.add(h, p),
      onOpen: (c) => { this.events.accepted.push(c); this.onOpen(c); },
      onOpened: (c) => this.events.opened.push(c),
      onData: (c, d) => {
        const list = this.events.data.get(c) ?? [];
        list.push(Buffer.from(d));
        this.events.data.set(c, list);
        this.onData(c, d);
      },
      onEnd: (c) => this.events.ended.push(c),
      onAbort: (conn, reason, text, violation) => this.events.aborted.push({ conn, reason, text, ...(violation ? { violation } : {}) }),
      onWritable: (c) => this.events.writable.push(c),
      onClose: (c) => this.events.closed.push(c),
    };
    this.mux = new Mux<Side>({ localIP, handlers, ...(initialWindow ? { initialWindow } : {}) });
  }

  /** Encodes what the mux sent and decodes it again: frames as the peer will see them. */
  drainOutbox(): Frame[] {
    const frames: Frame[] = [];
    const dec = new FrameDecoder({ onFrame: (f) => frames.push(f), onError: (e) => assert.fail(e) });
    for (const c of this.enc.take()) dec.push(Buffer.from(c));
    return frames;
  }

  received(conn: MuxConnection<Side>): Buffer {
    return Buffer.concat(this.events.data.get(conn) ?? []);
  }
}

/** Routes by DstIP between endpoints; returns the number of frames moved. */
export function pump(endpoints: Endpoint[], max = Infinity): number {
  let moved = 0;
  for (;;) {
    let progress = false;
    for (const from of endpoints) {
      for (const f of from.drainOutbox()) {
        const to = endpoints.find((e) => e.mux.localIP === f.dstIP);
        assert.ok(to, `no endpoint for ${f.dstIP}`);
        const err = to.mux.receive(f);
        assert.equal(err, undefined, err?.message);
        moved++;
        progress = true;
      }
    }
    if (!progress || moved >= max) return moved;
  }
}
