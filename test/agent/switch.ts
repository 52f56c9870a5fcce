/**
 * The router's own switch and links (src/router/switch.ts, src/router/host-link.ts) for tests:
 * agents run in-process on PassThrough links instead of child processes, everything else is what
 * `norouter run` does with their frames (HELLO check, keepalive, conntrack, the open policy of a
 * plan made of the agents started so far).
 */
import { PassThrough } from 'node:stream';
import { ipFromString } from '../../src/protocol/index.js';
import { runAgent, type AgentOptions } from '../../src/agent/index.js';
import type { AgentConfig, PlanHost } from '../../src/plan/types.js';
import { Switch as RouterSwitch } from '../../src/router/switch.js';
import { HostLink, MAX_OPEN_BACKLOG } from '../../src/router/host-link.js';

export interface TestAgent {
  vip: string;
  /** The agent's stdin (what the router writes). */
  input: PassThrough;
  /** The agent's stdout (what the router reads). */
  output: PassThrough;
  logs: string[];
  exit: Promise<number>;
  listening: Promise<string[]>;
  link: HostLink;
}

const HWM = 256 * 1024; // like the ~208 KiB socketpair buffers of real child stdio

export class Switch {
  readonly agents = new Map<number, TestAgent>();
  /** The router's own log lines (refusals, links down). */
  readonly log: string[] = [];
  private readonly hosts: PlanHost[] = [];
  private readonly sw = new RouterSwitch({ hosts: [] }, { log: (l) => this.log.push(l), maxOpenBacklog: MAX_OPEN_BACKLOG });

  start(config: AgentConfig, options: AgentOptions = {}): TestAgent {
    const ip = ipFromString(config.me)!;
    const input = new PassThrough({ highWaterMark: HWM });
    const output = new PassThrough({ highWaterMark: HWM });
    const logs: string[] = [];
    let onListening!: (a: string[]) => void;
    const listening = new Promise<string[]>((r) => { onListening = r; });
    const exit = runAgent(config, { input, output, log: (l) => logs.push(l) }, { ...options, onListening });
    const host: PlanHost = { name: config.me, vip: config.me, local: false, argv: ['(in-process agent)'], agent: config };
    this.hosts.push(host);
    this.sw.setPlan({ hosts: [...this.hosts] });
    const link = new HostLink(host, { output, input }, {
      onUp: (l) => this.sw.up(l),
      onFrame: (l, f) => this.sw.receive(l, f),
      onStatus: () => {},
      onDown: (l, end, wasUp) => {
        if (end.kind !== 'input-closed') this.log.push(`${l.name}: link ${wasUp ? 'down' : 'failed before HELLO'}: ${l.describe(end, wasUp)}`);
        this.sw.down(l);
      },
    });
    const agent: TestAgent = { vip: config.me, input, output, logs, exit, listening, link };
    this.agents.set(ip, agent);
    return agent;
  }

  /** What the router does when it stops: close every agent's input. */
  async stopAll(): Promise<number[]> {
    for (const a of this.agents.values()) a.link.close('norouter is stopping');
    return Promise.all([...this.agents.values()].map((a) => a.exit));
  }
}
