/**
 * The plan: what `norouter plan` prints and `norouter run` executes. Produced by compile
 * (src/compile), a pure function of the manifest; consumed by the CLI and the router.
 */

import type { AgentConfig, Keepalive } from '../protocol/agent-config.js';

/** The agent's configuration is a wire message too (CONFIG, docs/protocol.md §4), so protocol defines it. */
export type {
  AgentConfig, AgentDiscover, AgentDns, AgentProxy, DnsName, Forward, Keepalive, Other, PortRange, Proto, Route, UdpFlows,
} from '../protocol/agent-config.js';

export interface PlanHost {
  name: string;
  vip: string;
  /** True for the host without `cmd`: its agent is this same program, started as a child. */
  local: boolean;
  /** The command to spawn, without a shell: the host's cmd followed by the agent arguments. */
  argv: string[];
  agent: AgentConfig;
  /**
   * Set when the router sends the agent over stdin (docs/protocol.md §12). `node`: the cmd ends
   * in the host's node, and argv has src/bootstrap/loader.ts's arguments between the cmd and the
   * agent's. `shell`: the cmd ends in a POSIX shell, argv has `-s` there, and the router first
   * sends src/bootstrap/shell-script.ts's script.
   */
  bootstrap?: 'node' | 'shell';
  /** The manifest's `bootstrapCache`: where a `shell` host keeps norouter's Node runtime. */
  bootstrapCache?: string;
  /** The manifest's `bootstrapRuntime`: a directory on the router's machine with a runtime for this host. */
  bootstrapRuntime?: string;
}

export interface Plan {
  hosts: PlanHost[];
  /**
   * The manifest's `keepalive`, for the router's end of every link (each agent gets the same in
   * its AgentConfig); absent when the manifest does not set it (the protocol default).
   */
  keepalive?: Keepalive;
  /** The manifest's `metrics.listen`: where the router serves Prometheus metrics (docs/status.md). */
  metricsListen?: string;
}
