/**
 * A tiny router for tests: runs agents in-process on PassThrough links, greets each with a
 * router HELLO, answers PINGs, and switches TCP frames by DstIP without copying payloads.
 */
import { PassThrough } from 'node:stream';
import {
  FEATURES, FrameDecoder, FrameEncoder, PROTO_CONTROL, abortReply, decodeControl, encodeControl, ipFromString,
  makeHello, type ControlMessage, type Frame, type FrameHeader,
} from '../../src/protocol/index.js';
import { runAgent, type AgentOptions } from '../../src/agent/index.js';
import type { AgentConfig } from '../../src/plan/types.js';

export interface TestAgent {
  vip: string;
  input: PassThrough;
  output: PassThrough;
  logs: string[];
  exit: Promise<number>;
  control: ControlMessage[];
  listening: Promise<string[]>;
}

const HWM = 256 * 1024; // like the ~208 KiB socketpair buffers of real child stdio

export class Switch {
  readonly agents = new Map<number, TestAgent>();
  private readonly encoders = new Map<number, FrameEncoder>();
  private readonly scheduled = new Set<number>();
  errors: string[] = [];

  start(config: AgentConfig, options: AgentOptions = {}): TestAgent {
    const ip = ipFromString(config.me)!;
    const input = new PassThrough({ highWaterMark: HWM });
    const output = new PassThrough({ highWaterMark: HWM });
    const logs: string[] = [];
    const control: ControlMessage[] = [];
    let onListening!: (a: string[]) => void;
    const listening = new Promise<string[]>((r) => { onListening = r; });
    const exit = runAgent(config, { input, output, log: (l) => logs.push(l) }, { ...options, onListening });
    const agent: TestAgent = { vip: config.me, input, output, logs, exit, control, listening };
    this.agents.set(ip, agent);
    this.encoders.set(ip, new FrameEncoder());
    input.write(encodeControl({ type: 'hello', hello: makeHello('router', config.me, 'test', FEATURES) }));
    const dec = new FrameDecoder({
      onFrame: (f) => this.onFrame(ip, f),
      onError: (e) => this.errors.push(`${config.me}: ${e.code}: ${e.message}`),
    });
    output.on('data', (c: Buffer) => dec.push(c));
    return agent;
  }

  private onFrame(from: number, f: Frame): void {
    if (f.proto === PROTO_CONTROL) {
      const msg = decodeControl(f.payload);
      if (msg instanceof Error) { this.errors.push(msg.message); return; }
      if (msg.type === 'config-refused') { this.errors.push(`CONFIG refused: ${msg.problems.map((p) => p.path).join(', ')}`); return; }
      this.agents.get(from)?.control.push(msg);
      if (msg.type === 'ping') this.agents.get(from)?.input.write(encodeControl({ type: 'pong', nonce: msg.nonce }));
      return;
    }
    if (f.srcIP !== from) { this.errors.push(`spoofed source from ${from}`); return; }
    if (!this.agents.has(f.dstIP) || this.agents.get(f.dstIP)!.input.writableEnded) {
      if (f.flags === 4 /* OPEN */) {
        const r = abortReply(f, 'unreachable');
        this.queue(from, r.header, r.payload);
      }
      return;
    }
    this.queue(f.dstIP, f, f.payload);
  }

  private queue(to: number, h: FrameHeader, payload: Buffer): void {
    this.encoders.get(to)!.add(h, payload);
    if (this.scheduled.has(to)) return;
    this.scheduled.add(to);
    setImmediate(() => {
      this.scheduled.delete(to);
      const input = this.agents.get(to)?.input;
      const chunks = this.encoders.get(to)!.take();
      if (!input || input.writableEnded) return;
      input.cork();
      for (const c of chunks) input.write(c);
      input.uncork();
    });
  }

  /** What the router does when it stops: close every agent's input. */
  async stopAll(): Promise<number[]> {
    for (const a of this.agents.values()) if (!a.input.writableEnded) a.input.end();
    return Promise.all([...this.agents.values()].map((a) => a.exit));
  }
}
