/**
 * Wire constants. Every number here is part of the protocol (docs/protocol.md) or a size
 * limit with a reason; change a wire value only together with PROTOCOL_VERSION.
 */

/** docs/protocol.md §3: bumped on any incompatible change; HELLO carries it. */
export const PROTOCOL_VERSION = 1;

/** §2: u32 Len + [4]SrcIP + u16 SrcPort + [4]DstIP + u16 DstPort + u16 Proto + u16 Flags. */
export const HEADER_LEN = 20;
/** §2: Len counts the header after Len itself, so the smallest legal Len is 16. */
export const MIN_LEN = HEADER_LEN - 4;

/**
 * §2: a TCP data frame carries at most 64 KiB: the size of one socket read in Node, so one
 * read is one frame, and small enough that a large transfer cannot hold the link for long.
 */
export const MAX_DATA_PAYLOAD = 64 * 1024;
/**
 * §2: control payloads (HELLO, CONFIG JSON) may be larger than data: a CONFIG for hundreds of
 * hosts is tens of KiB. 1 MiB bounds what a decoder buffers for one frame.
 */
export const MAX_CONTROL_PAYLOAD = 1024 * 1024;
/** §2: the cap on Len; a larger Len is a protocol error that closes the link, before any allocation. */
export const MAX_FRAME_LEN = MIN_LEN + MAX_CONTROL_PAYLOAD;
/** §5.6: ABORT text is for logs, not transport: 1 KiB keeps a hostile peer from filling them. */
export const MAX_ABORT_TEXT = 1024;

/** §2 Proto values. */
export const PROTO_CONTROL = 0;
export const PROTO_TCP = 6;
/** §14: datagram frames, sent only between sides that both announced FEATURE_UDP. */
export const PROTO_UDP = 17;
/**
 * §14: the largest datagram a UDP frame carries: the largest UDP payload over IPv4
 * (65,535 − 8-byte UDP header − 20-byte IP header).
 */
export const MAX_DATAGRAM = 65_507;

/** §5.2 TCP flags. */
export const FLAG_CLOSE_READ = 0x0001; // reserved in version 1: receiving it is a protocol error
export const FLAG_CLOSE_WRITE = 0x0002;
export const FLAG_OPEN = 0x0004;
export const FLAG_OPEN_OK = 0x0008;
export const FLAG_ABORT = 0x0010;
export const FLAG_WINDOW = 0x0020;
export const FLAG_FROM_ACCEPTOR = 0x8000;

/**
 * §6: each direction of each connection starts with this much credit. 4 MiB: a grant then goes
 * out every 2 MiB, and the sender keeps more frames in flight, so that each read of the router
 * and the agents carries more of them: against 1 MiB the router's writes per GB fell from ~18,500
 * to ~10,000 and the path's CPU per GB by ~10% (docs/benchmarks.md, "Mesh: the hot path on the
 * new layout"); against 256 KiB, 1 MiB had saved ~10% already. Credit is not allocated memory:
 * an idle connection buffers nothing, a stalled one at most this much per direction (in the
 * receiving agent, for a local socket that does not read). Each side announces its own window
 * in OPEN and OPEN_OK, so sides with other defaults work together.
 */
export const INITIAL_WINDOW = 4 * 1024 * 1024;
/**
 * §6.2: what an initiator may send before OPEN_OK arrives (the acceptor holds it while it
 * dials). An acceptor's window is never below this, so credit never goes negative.
 */
export const PRE_OPEN_WINDOW = 64 * 1024;
/** §6: total credit above this (2 GiB - 1) is a protocol error: it would overflow u32 accounting. */
export const MAX_WINDOW = 0x7fffffff;

/** §4 control message types (the first payload byte of a Proto 0 frame). */
export const CONTROL_HELLO = 1;
export const CONTROL_PING = 2;
export const CONTROL_PONG = 3;
export const CONTROL_CONFIG = 4;
export const CONTROL_PEER_DOWN = 5;
export const CONTROL_GOODBYE = 6;
/** §4.6: agent → router, which listeners it could not open (feature `status`). */
export const CONTROL_STATUS = 7;
/** §4.8: agent → router, what only the agent counts (feature `counters`). */
export const CONTROL_COUNTERS = 8;
/** §4.9: agent → router, the ports its host listens on that it publishes (feature `discover`). */
export const CONTROL_DISCOVERED = 9;

/**
 * §14.3 defaults (the manifest's `udp` overrides them): a flow ends after 2 minutes without a
 * datagram (DNS, statsd and syslog clients send and forget; a game or media session sends
 * several per second), and a host keeps at most 4096 flows per side, each holding a socket.
 */
export const UDP_IDLE_MS = 120_000;
export const UDP_MAX_FLOWS = 4096;

/** §4.1 features a side may announce in HELLO; a control type is sent only to a peer announcing it. */
export const FEATURE_CONFIG = 'config';
export const FEATURE_PEER_DOWN = 'peer-down';
/** §13: routed OPENs (DstPort 0, the destination in the payload). */
export const FEATURE_ROUTE = 'route';
/** §4.6: STATUS: the readiness summary names, and the router logs, ports that do not listen. */
export const FEATURE_STATUS = 'status';
/** §4.8: COUNTERS: what `norouter status` and the metrics show of an agent's own work (its DNS server). */
export const FEATURE_COUNTERS = 'counters';
/** §4.8: an agent sends COUNTERS at most this often, and only when they changed. */
export const COUNTERS_INTERVAL_MS = 2_000;
/** §4.9: DISCOVERED, and the `discover` member of CONFIG. */
export const FEATURE_DISCOVER = 'discover';
/** §14: UDP frames (Proto 17) and `/udp` entries in CONFIG. */
export const FEATURE_UDP = 'udp';
/** §4.9: DISCOVERED's `udp` member, and `discover.udp` in CONFIG. */
export const FEATURE_DISCOVER_UDP = 'discover-udp';
export const FEATURES: readonly string[] = [FEATURE_CONFIG, FEATURE_PEER_DOWN, FEATURE_ROUTE, FEATURE_STATUS, FEATURE_COUNTERS, FEATURE_DISCOVER, FEATURE_UDP, FEATURE_DISCOVER_UDP];
/** §4.6: at most this many entries in one STATUS, each text at most this long: it feeds log lines. */
export const MAX_STATUS_ENTRIES = 1024;
export const MAX_STATUS_TEXT = 256;

/**
 * §4.9: at most this many ports in one DISCOVERED. Every port discovered becomes an `--other`
 * entry on every other host, so this bounds what one host can make the others listen on; a
 * host with more listening ports than this publishes the lowest ones and says so.
 */
export const MAX_DISCOVERED_PORTS = 4096;
/** §4.9: a discovered address is an IPv4 or IPv6 literal: at most 45 characters. */
export const MAX_DISCOVERED_HOST = 45;

/** §13: the DstPort of a routed connection: "the destination is in OPEN's payload". */
export const ROUTED_PORT = 0;
/** §13: a routed OPEN's destination host, in bytes: a DNS name is at most 253 characters. */
export const MAX_ROUTE_HOST = 255;

/** §7 keepalive: a PING every 10 s; a link silent for 45 s (4 missed pings + slack) is dead. */
export const KEEPALIVE_INTERVAL_MS = 10_000;
export const KEEPALIVE_TIMEOUT_MS = 45_000;
