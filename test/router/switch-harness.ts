/**
 * A host for testing the router's switch in memory (src/router/switch.ts): the router's own
 * HostLink over PassThrough pairs, and at the other end of it a scripted agent speaking frames
 * through src/link's FramedStream. What the switch forwards, refuses and closes is read off the
 * frames the agent receives.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import {
  FEATURES, PROTO_CONTROL, decodeControl, isProtocolError, makeHello, readAbortPayload,
  type ControlMessage, type Frame, type FrameHeader,
} from '../../src/protocol/index.js';
import { FramedStream } from '../../src/link/index.js';
import type { Switch } from '../../src/router/switch.js';
import { HostLink } from '../../src/router/host-link.js';
import type { PlanHost } from '../../src/plan/types.js';

export interface HostOptions {
  /** The protocol version the agent's HELLO names, when not this build's. */
  protocol?: number;
  /** The stream the router writes to the agent (a test may hold it back). */
  toAgent?: PassThrough;
}

export class Host {
  /** Frames other than control ones, each payload joined into one Buffer. */
  readonly received: Frame[] = [];
  readonly control: ControlMessage[] = [];
  readonly agent: FramedStream;
  readonly link: HostLink;
  /** The router closed the agent's input. */
  inputEnded = false;

  constructor(readonly plan: PlanHost, sw: Switch, features: readonly string[] = FEATURES, options: HostOptions = {}) {
    const toRouter = new PassThrough();
    const toAgent = options.toAgent ?? new PassThrough();
    this.agent = new FramedStream(toAgent, toRouter, {
      onFrame: (f) => {
        if (f.proto !== PROTO_CONTROL) {
          this.received.push({ ...f, payload: Buffer.concat([f.payload, ...(f.rest ?? [])]) });
          return;
        }
        const msg = decodeControl(f.payload);
        if (!isProtocolError(msg) && msg.type !== 'config-refused') this.control.push(msg);
      },
      onError: (e) => assert.fail(e),
      onInputEnd: () => { this.inputEnded = true; },
    }, { schedule: { kind: 'turn' }, inputOnClose: 'drain' });
    this.link = new HostLink(plan, { output: toRouter, input: toAgent }, {
      onUp: (l) => sw.up(l),
      onFrame: (l, f) => sw.receive(l, f),
      onStatus: () => {},
      onDown: (l) => sw.down(l),
    });
    const protocol = options.protocol;
    this.agent.sendControl({ type: 'hello', hello: { ...makeHello('agent', plan.vip, 'test', features), ...(protocol ? { protocol } : {}) } });
  }

  send(h: FrameHeader, payload?: Buffer): void {
    this.agent.send(h, payload);
  }

  /** The agent's process ends: its stdout closes. */
  leave(): void {
    this.agent.close();
  }

  aborts(): { header: Frame; reason: string; text: string }[] {
    return this.received.filter((f) => f.flags & 0x0010).map((f) => ({ header: f, ...readAbortPayload(f.payload) }));
  }
}
