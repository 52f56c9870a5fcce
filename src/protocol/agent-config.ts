/**
 * What one agent is told, on its command line (src/plan/agent-args.ts) or in a CONFIG message
 * (docs/protocol.md §4). Defined here, in the lowest runtime layer, because it is part of the
 * wire protocol; src/plan/types.ts re-exports it for the pipeline.
 */

/** A published port's protocol: a TCP and a UDP port of one number are two ports (docs/protocol.md §14). */
export type Proto = 'tcp' | 'udp';

/** A port this host publishes: VIP:listenPort on every host reaches connectHost:connectPort here. */
export interface Forward {
  listenPort: number;
  /**
   * An IPv4 address, an IPv6 address (written `[::1]` on a command line and in a manifest's
   * `ports`, bare here), or a host name resolved on the publishing host.
   */
  connectHost: string;
  connectPort: number;
  proto: Proto;
}

/** A port another host publishes, which this host's agent listens on locally at vip:port. */
export interface Other {
  vip: string;
  port: number;
  proto: Proto;
}

/** One name the DNS add-on answers (a host's name or alias) and the VIP it stands for. */
export interface DnsName {
  name: string;
  vip: string;
}

/**
 * The DNS add-on's part of an agent's configuration: `--dns PORT`, `--dns-domain`,
 * `--dns-resolv-conf`, `--write-etc-hosts` and one `--dns-name NAME=VIP` per name.
 */
export interface AgentDns {
  /** The port of the DNS server on this host's VIP; absent: no DNS server. */
  port?: number;
  /** A suffix under which every name answers too (`host1.mesh`). */
  domain?: string;
  /**
   * Patch /etc/resolv.conf: `auto` when it is writable (quietly otherwise), `true` always (a
   * warning when it cannot). Absent: never. compile never sends `auto` for the local host.
   */
  resolvConf?: 'auto' | 'true';
  /** Write the names into /etc/hosts (a marked block, removed on exit). */
  etcHosts: boolean;
  /** Every host's name and aliases, in manifest order. */
  names: DnsName[];
}

/**
 * One route: proxy connections to any of `to` (IPv4 CIDRs and host-name globs, as in the
 * manifest) leave the mesh at the host whose VIP is `via`, which dials them on its own network.
 */
export interface Route {
  via: string;
  to: string[];
}

/**
 * The proxies of a host: `--http-proxy`, `--socks-proxy`. `names` and `domain` are the
 * mesh's names (the same list as the DNS add-on's, `--dns-name`), which the proxies resolve
 * themselves.
 */
export interface AgentProxy {
  /** HTTP proxy listen address, `ADDRESS:PORT`. */
  http?: string;
  /** SOCKS4/4a/5 proxy listen address, `ADDRESS:PORT`. */
  socks?: string;
  domain?: string;
  names: DnsName[];
}

/**
 * The link keepalive (docs/protocol.md §7): a PING every `intervalMs`, and a
 * link silent for `timeoutMs` is dead. The manifest's `keepalive`, in milliseconds.
 */
export interface Keepalive {
  intervalMs: number;
  timeoutMs: number;
}

/** Ports LOW to HIGH, both included (`[8000, 8999]`; one port is `[22, 22]`). */
export type PortRange = [number, number];

/**
 * Port discovery (docs/discovery.md): the agent watches the TCP ports its network namespace
 * listens on and reports those in `include` and not in `exclude` (DISCOVERED, docs/protocol.md
 * §4.9). compile resolves the manifest's defaults, so both lists are always explicit here.
 */
export interface AgentDiscover {
  include: PortRange[];
  exclude: PortRange[];
  /** `--discover-udp`: unconnected UDP sockets too (docs/discovery.md, "UDP"); absent: TCP only. */
  udp?: true;
}

/** What one agent is told on its command line (`internal agent --me … --forward … --other …`). */
export interface AgentConfig {
  me: string;
  forwards: Forward[];
  others: Other[];
  /** Absent when the host runs neither a DNS server nor writes /etc/hosts. */
  dns?: AgentDns;
  /** Absent when the host runs no proxy. */
  proxy?: AgentProxy;
  /** `loopback.disable`: listen on no VIP; only the proxies reach the mesh. */
  noLoopback?: true;
  /**
   * Every route for a host with a proxy (it picks the `via`), else only the routes this
   * host dials (it checks routed OPENs against them); absent when none applies.
   */
  routes?: Route[];
  /** `--keepalive INTERVAL_MS,TIMEOUT_MS`; absent (the protocol default) unless the manifest sets it. */
  keepalive?: Keepalive;
  /** `--discover INCLUDE [--discover-exclude EXCLUDE]`; absent: the agent does not discover. */
  discover?: AgentDiscover;
  /** `--udp-flows IDLE_MS,MAX`; absent (UDP_IDLE_MS and UDP_MAX_FLOWS, ./constants.ts) unless the manifest sets `udp`. */
  udp?: UdpFlows;
}

/** UDP flows (docs/protocol.md §14.3): one ends after `idleMs` without a datagram; at most `maxFlows` at once per host and side. */
export interface UdpFlows {
  idleMs: number;
  maxFlows: number;
}
