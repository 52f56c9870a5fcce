/**
 * The plan: what `norouter plan` prints and `norouter run` executes. Produced by compile
 * (src/compile), a pure function of the manifest; consumed by the CLI and the router.
 */

/** A port this host publishes: VIP:listenPort on every host reaches connectHost:connectPort here. */
export interface Forward {
  listenPort: number;
  /** An IPv4 address or a host name, resolved on the publishing host. */
  connectHost: string;
  connectPort: number;
  proto: 'tcp';
}

/** A port another host publishes, which this host's agent listens on locally at vip:port. */
export interface Other {
  vip: string;
  port: number;
  proto: 'tcp';
}

/** What one agent is told on its command line (`internal agent --me … --forward … --other …`). */
export interface AgentConfig {
  me: string;
  forwards: Forward[];
  others: Other[];
}

export interface PlanHost {
  name: string;
  vip: string;
  /** True for the host without `cmd`: its agent is this same program, started as a child. */
  local: boolean;
  /** The command to spawn, without a shell: the host's cmd followed by the agent arguments. */
  argv: string[];
  agent: AgentConfig;
}

export interface Plan {
  hosts: PlanHost[];
}
