/**
 * What a running router says about its mesh (docs/status.md): the shape `norouter status --json`
 * prints, `norouter top` draws and the metrics endpoint exposes. Versioned: fields are only ever
 * added within a version; a change of meaning or a removal takes a new SNAPSHOT_VERSION.
 */
export const SNAPSHOT_VERSION = 1;

export type HostStateName = 'starting' | 'up' | 'down' | 'given-up';

export interface ByDirection {
  /** Towards the host: what the router delivered to it (bytes), or connections it accepted. */
  in: number;
  /** From the host: what it sent into the mesh (bytes), or connections it opened. */
  out: number;
}

export interface HostSnapshot {
  name: string;
  vip: string;
  state: HostStateName;
  /** Why a host is down or given up on; absent when it is starting or up. */
  why?: string;
  /** When the host entered its state (ISO 8601): up since, down since. */
  since: string;
  /** Starts after the first, since the router started (a host the plan replaced starts again at 0). */
  restarts: number;
  /** The addresses its agent could not listen on (docs/protocol.md §4.6), with the error. */
  notListening: { listen: string; error: string }[];
  /** Live connections the host is an end of, by who opened them. */
  connections: ByDirection;
  /** Connections opened since the router started, by who opened them. */
  opened: ByDirection;
  /** Payload bytes since the router started: TCP data only, not frame headers nor control. */
  bytes: ByDirection;
  /** Payload bytes per second over the last complete second. */
  rate: ByDirection;
  /** Bytes waiting in the router for the agent to read (its link's backlog). */
  backlog: number;
  /**
   * DNS queries its agent's DNS server answered from the mesh's names, relayed to the host's own
   * nameservers, and dropped as malformed (docs/protocol.md §4.8), since the router started; the
   * agent reports them every few seconds. Zero for a host without DNS or an older agent.
   */
  dns: { answered: number; relayed: number; dropped: number };
  /** Refused OPENs and protocol violations of this host, by kind. */
  refused: Record<string, number>;
  /**
   * The ports its agent discovered and the mesh publishes (docs/discovery.md), by port: the
   * address the host dials for each, and since when it is published; `proto` (added within
   * version 1) is `udp` for a UDP port (docs/discovery.md, "UDP"). Empty for a host that does
   * not discover.
   */
  discovered: { port: number; proto: 'tcp' | 'udp'; dialled: string; since: string }[];
  /** UDP through the mesh (docs/protocol.md §14); added within version 1. */
  udp: UdpSnapshot;
  /** `detail` only: bytes per second, in + out, for each of the last HISTORY_SECONDS seconds, oldest first. */
  history?: number[];
}

export interface UdpSnapshot {
  /** Datagrams the router forwarded from the host (out) and to it (in), since the router started. */
  datagrams: ByDirection;
  /** Their payload bytes (not counted in `bytes`, which is TCP's). */
  bytes: ByDirection;
  /** Live flows of its agent (§4.8, reported every few seconds): as initiator for local clients, as acceptor towards its targets. */
  flows: { clients: number; targets: number };
  /**
   * Datagrams dropped, by kind (docs/protocol.md §14.5): by the router, from this host; by the
   * host's own agent (§4.8: every run since the router started; an older agent reports none).
   */
  dropped: { router: Record<string, number>; agent: Record<string, number> };
}

export interface ConnectionSnapshot {
  /** Initiator `host VIP:port` and acceptor `host VIP:port`. */
  from: { host: string; address: string };
  to: { host: string; address: string };
  /** Payload bytes initiator → acceptor (`sent`) and back (`received`). */
  sent: number;
  received: number;
  /** Bytes per second, both ways, over the last complete second. */
  rate: number;
  ageMs: number;
}

export type EventKind = 'up' | 'down' | 'restart' | 'given-up' | 'reload' | 'refused' | 'not-listening';

export interface EventSnapshot {
  at: string;
  kind: EventKind;
  host?: string;
  text: string;
  /** Events of one kind and host in a row are one entry with a count. */
  count: number;
}

export interface ReloadSnapshot {
  at: string;
  trigger: string;
  result: 'applied' | 'unchanged-text' | 'invalid' | 'missing';
  summary?: string;
}

export interface Snapshot {
  version: typeof SNAPSHOT_VERSION;
  mesh: {
    /** The manifest's absolute path: the mesh's identity. */
    manifest: string;
    pid: number;
    norouter: string;
    startedAt: string;
    now: string;
  };
  hosts: HostSnapshot[];
  totals: {
    hosts: number;
    up: number;
    /** Live connections the router switches. */
    connections: number;
    /** Payload bytes switched (each byte once) and per second. */
    bytes: number;
    rate: number;
    /** UDP datagrams switched (each once), and datagrams dropped by the router or any agent. */
    datagrams: number;
    datagramsDropped: number;
  };
  /** ABORTs that passed the router, by reason (docs/protocol.md §5.6). */
  aborts: Record<string, number>;
  reloads: { count: number; last?: ReloadSnapshot };
  /** The busiest live connections, by rate then bytes (at most 10; 50 with `detail`). */
  connections: ConnectionSnapshot[];
  /** The latest events, oldest first (at most 50). */
  events: EventSnapshot[];
}

/** What a client asks the control socket (docs/status.md). */
export interface SnapshotRequest {
  version: typeof SNAPSHOT_VERSION;
  /** Adds each host's history and more connections (what `top` draws). */
  detail?: boolean;
}

export const HISTORY_SECONDS = 60;
export const TOP_CONNECTIONS = 10;
export const TOP_CONNECTIONS_DETAIL = 50;
export const MAX_EVENTS = 50;
