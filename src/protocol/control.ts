/**
 * Control messages (docs/protocol.md §4): Proto 0 frames between one agent and the router,
 * never routed. Payload = u8 type + body.
 */
import { isIPv6 } from 'node:net';
import type { AgentConfig } from './agent-config.js';
import { isIPv4 } from './ipv4.js';
import {
  CONTROL_CONFIG, CONTROL_COUNTERS, CONTROL_DISCOVERED, CONTROL_GOODBYE, CONTROL_HELLO, CONTROL_PEER_DOWN, CONTROL_PING, CONTROL_PONG, CONTROL_STATUS,
  MAX_DISCOVERED_HOST, MAX_DISCOVERED_PORTS,
  MAX_STATUS_ENTRIES, MAX_STATUS_TEXT,
  MAX_ABORT_TEXT, PROTO_CONTROL, PROTOCOL_VERSION,
} from './constants.js';
import { ProtocolError } from './errors.js';
import { checkAgentConfig, type ConfigProblem } from './agent-config-check.js';
import { encodeFrame } from './encode.js';
import type { FrameHeader } from './frame.js';
import { reasonCode, reasonName, type AbortReason } from './reasons.js';
import { UDP_DROP_KINDS, type UdpDropKind } from './udp.js';

/** §4.1 */
export interface Hello {
  protocol: number;
  features: string[];
  role: 'agent' | 'router';
  /** The agent's --me; in the router's HELLO, the VIP the router expects on this link. */
  vip: string;
  /** norouter's version, for error messages only. */
  version: string;
  /**
   * Router only, optional: its machine and /etc/resolv.conf, so that an agent on the same
   * machine (ip netns exec, ssh localhost) leaves that file alone (§4.1, src/dns/same-machine.ts).
   */
  machine?: { bootId: string; resolvConf?: string };
}

/**
 * §4.8: what only an agent counts, cumulative since the agent started: its DNS server's queries
 * answered from the mesh's names, relayed to the host's own nameservers, and dropped (malformed).
 */
export interface AgentCounters {
  dns: { answered: number; relayed: number; dropped: number };
  /**
   * Added within version 1 (older agents leave it out; older routers ignore it): the datagrams
   * the agent dropped, by kind (cumulative, kinds it never dropped left out), and its live
   * flows now as initiator (`clients`) and acceptor (`targets`), §14.
   */
  udp?: AgentUdpCounters;
}

export interface AgentUdpCounters {
  dropped: Partial<Record<UdpDropKind, number>>;
  flows: { clients: number; targets: number };
}

/** §4.6: one address an agent should listen on and does not: `listen` is IP:PORT, `error` e.g. EADDRINUSE. */
export interface ListenFailure {
  listen: string;
  error: string;
}

/**
 * §4.9: one port a host listens on and publishes: VIP:port on every host reaches host:port there.
 * `host` is the address to dial: 127.0.0.1 for a listener on 127.0.0.1 or 0.0.0.0, ::1 for one
 * on ::1 or ::, else the listener's own address.
 */
export interface DiscoveredPort {
  port: number;
  host: string;
}

export type ControlMessage =
  | { type: 'hello'; hello: Hello }
  | { type: 'ping'; nonce: bigint }
  | { type: 'pong'; nonce: bigint }
  | { type: 'config'; config: AgentConfig }
  | { type: 'peer-down'; vip: number }
  | { type: 'goodbye'; reason: AbortReason; message: string }
  /** §4.6, agent → router: the listeners it should have and could not open, and why. */
  | { type: 'status'; failed: ListenFailure[] }
  /** §4.8, agent → router: what only the agent counts. */
  | { type: 'counters'; counters: AgentCounters }
  /** §4.9, agent → router: every port it publishes by discovery now (the whole set, each time). */
  | { type: 'discovered'; ports: DiscoveredPort[]; udp?: DiscoveredPort[] }
  /** §4.7: a type this version does not know; receivers ignore it. */
  | { type: 'unknown'; code: number };

/**
 * What decodeControl returns: a message, or (§4.3) a CONFIG whose JSON is not a valid
 * AgentConfig (./agent-config-check.ts), which the agent refuses and keeps its configuration.
 */
export type DecodedControl = ControlMessage | { type: 'config-refused'; problems: ConfigProblem[] };

const CONTROL_HEADER: FrameHeader = { srcIP: 0, srcPort: 0, dstIP: 0, dstPort: 0, proto: PROTO_CONTROL, flags: 0 };

/** The complete frame (header included) carrying one control message. */
export function encodeControl(msg: ControlMessage): Buffer {
  return encodeFrame(CONTROL_HEADER, controlPayload(msg));
}

export function controlPayload(msg: ControlMessage): Buffer {
  switch (msg.type) {
    case 'hello': return json(CONTROL_HELLO, msg.hello);
    case 'config': return json(CONTROL_CONFIG, msg.config);
    case 'status': return json(CONTROL_STATUS, { failed: msg.failed });
    case 'counters': return json(CONTROL_COUNTERS, msg.counters);
    case 'discovered': return json(CONTROL_DISCOVERED, msg.udp ? { ports: msg.ports, udp: msg.udp } : { ports: msg.ports });
    case 'ping':
    case 'pong': {
      const b = Buffer.allocUnsafe(9);
      b[0] = msg.type === 'ping' ? CONTROL_PING : CONTROL_PONG;
      b.writeBigUInt64LE(msg.nonce, 1);
      return b;
    }
    case 'peer-down': {
      const b = Buffer.allocUnsafe(5);
      b[0] = CONTROL_PEER_DOWN;
      b.writeUInt32BE(msg.vip >>> 0, 1);
      return b;
    }
    case 'goodbye': {
      const text = truncateUtf8(msg.message, MAX_ABORT_TEXT);
      const b = Buffer.allocUnsafe(3 + text.length);
      b[0] = CONTROL_GOODBYE;
      b.writeUInt16LE(reasonCode(msg.reason), 1);
      text.copy(b, 3);
      return b;
    }
    case 'unknown': return Buffer.from([msg.code]);
  }
}

function json(type: number, value: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(value), 'utf8');
  const b = Buffer.allocUnsafe(1 + body.length);
  b[0] = type;
  body.copy(b, 1);
  return b;
}

/** UTF-8 bytes of `text`, cut to at most `max` bytes on a character boundary. */
export function truncateUtf8(text: string, max: number): Buffer {
  const b = Buffer.from(text, 'utf8');
  if (b.length <= max) return b;
  let end = max;
  while (end > 0 && ((b[end] ?? 0) & 0xc0) === 0x80) end--;
  return b.subarray(0, end);
}

/** Parses a control frame's payload (the frame itself already passed checkFrame). */
export function decodeControl(payload: Buffer): DecodedControl | ProtocolError {
  const type = payload[0] ?? -1;
  const body = payload.subarray(1);
  switch (type) {
    case CONTROL_HELLO: {
      const v = parseJson(body, 'HELLO');
      if (v instanceof ProtocolError) return v;
      return isHello(v) ? { type: 'hello', hello: v } : bad('HELLO lacks protocol, features, role, vip or version');
    }
    case CONTROL_PING:
    case CONTROL_PONG:
      if (body.length !== 8) return bad(`${type === CONTROL_PING ? 'PING' : 'PONG'} body is ${body.length} bytes (8)`);
      return { type: type === CONTROL_PING ? 'ping' : 'pong', nonce: body.readBigUInt64LE(0) };
    case CONTROL_CONFIG: {
      const v = parseJson(body, 'CONFIG');
      if (v instanceof ProtocolError) return v;
      const checked = checkAgentConfig(v);
      return checked.ok ? { type: 'config', config: checked.config } : { type: 'config-refused', problems: checked.problems };
    }
    case CONTROL_STATUS: {
      const v = parseJson(body, 'STATUS');
      if (v instanceof ProtocolError) return v;
      return isStatus(v) ? { type: 'status', failed: v.failed } : bad(`STATUS is not {failed: [{listen, error}]} with at most ${MAX_STATUS_ENTRIES} entries of ${MAX_STATUS_TEXT} characters`);
    }
    case CONTROL_COUNTERS: {
      const v = parseJson(body, 'COUNTERS');
      if (v instanceof ProtocolError) return v;
      if (!isCounters(v)) return bad('COUNTERS is not {dns: {answered, relayed, dropped}} with whole numbers');
      const dns = { answered: v.dns.answered, relayed: v.dns.relayed, dropped: v.dns.dropped };
      if (v.udp === undefined) return { type: 'counters', counters: { dns } };
      const udp = udpCounters(v.udp);
      return udp ? { type: 'counters', counters: { dns, udp } } : bad('COUNTERS udp is not {dropped: {kind: count}, flows: {clients, targets}} with whole numbers');
    }
    case CONTROL_DISCOVERED: {
      const v = parseJson(body, 'DISCOVERED');
      if (v instanceof ProtocolError) return v;
      const why = discoveredProblem(v);
      if (why !== undefined) return bad(`DISCOVERED ${why}`);
      const { ports, udp } = v as { ports: DiscoveredPort[]; udp?: DiscoveredPort[] };
      return udp ? { type: 'discovered', ports, udp } : { type: 'discovered', ports };
    }
    case CONTROL_PEER_DOWN:
      if (body.length !== 4) return bad(`PEER_DOWN body is ${body.length} bytes (4)`);
      return { type: 'peer-down', vip: body.readUInt32BE(0) };
    case CONTROL_GOODBYE:
      if (body.length < 2) return bad(`GOODBYE body is ${body.length} bytes (at least 2)`);
      // Regression (fuzzing): up to 1 MiB of text reached the logs; it is for a log line (§4.5).
      return { type: 'goodbye', reason: reasonName(body.readUInt16LE(0)), message: truncateUtf8(body.subarray(2).toString('utf8'), MAX_ABORT_TEXT).toString('utf8') };
    default:
      return { type: 'unknown', code: type };
  }
}

function bad(message: string): ProtocolError {
  return new ProtocolError('bad-control', message);
}

function parseJson(body: Buffer, what: string): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return bad(`${what} body is not JSON`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function isHello(v: unknown): v is Hello {
  return isObject(v) && Number.isInteger(v.protocol) && Array.isArray(v.features) && v.features.every((f) => typeof f === 'string')
    && (v.role === 'agent' || v.role === 'router') && typeof v.vip === 'string' && typeof v.version === 'string'
    && (v.machine === undefined || (isObject(v.machine) && typeof v.machine.bootId === 'string'
      && (v.machine.resolvConf === undefined || typeof v.machine.resolvConf === 'string')));
}

/** A count in a COUNTERS message: a whole number, not negative. */
const count = (n: unknown): boolean => Number.isSafeInteger(n) && (n as number) >= 0;

/** §4.8: whole, non-negative, safe integers; unknown members are ignored (newer agents may count more). */
function isCounters(v: unknown): v is AgentCounters {
  return isObject(v) && isObject(v.dns) && count(v.dns.answered) && count(v.dns.relayed) && count(v.dns.dropped);
}

/**
 * §4.8's `udp`: only the kinds this version knows are kept (a newer agent may drop for more
 * reasons; the names become metric labels, so unknown text is not passed on); undefined when
 * it is not the right shape.
 */
function udpCounters(v: unknown): AgentUdpCounters | undefined {
  if (!isObject(v) || !isObject(v.dropped) || !isObject(v.flows) || !count(v.flows.clients) || !count(v.flows.targets)) return undefined;
  const dropped: Partial<Record<UdpDropKind, number>> = {};
  for (const kind of UDP_DROP_KINDS) {
    const n = v.dropped[kind];
    if (n === undefined) continue;
    if (!count(n)) return undefined;
    dropped[kind] = n as number;
  }
  return { dropped, flows: { clients: v.flows.clients as number, targets: v.flows.targets as number } };
}

/** §4.6: bounded, because its entries end up in the router's log lines. */
function isStatus(v: unknown): v is { failed: ListenFailure[] } {
  const text = (t: unknown) => typeof t === 'string' && t.length <= MAX_STATUS_TEXT;
  return isObject(v) && Array.isArray(v.failed) && v.failed.length <= MAX_STATUS_ENTRIES
    && v.failed.every((f) => isObject(f) && text(f.listen) && text(f.error));
}

/**
 * §4.9: why a DISCOVERED body is not `{ports: [{port, host}]}` with at most MAX_DISCOVERED_PORTS
 * distinct ports and literal addresses; undefined when it is. Untrusted input: every port it
 * names becomes a listener on every other host.
 */
function discoveredProblem(v: unknown): string | undefined {
  if (!isObject(v) || !Array.isArray(v.ports)) return 'is not {ports: [{port, host}]}';
  // `udp` (the UDP ports, same shape) only from an agent that saw the router announce `discover-udp`.
  for (const key of Object.keys(v)) if (key !== 'ports' && key !== 'udp') return `has an unknown member ${JSON.stringify(key.slice(0, 32))}`;
  if (v.udp !== undefined && !Array.isArray(v.udp)) return 'udp is not [{port, host}]';
  for (const member of ['ports', 'udp'] as const) {
    const list = v[member];
    if (!Array.isArray(list)) continue;
    if (list.length > MAX_DISCOVERED_PORTS) return `lists ${list.length} ${member === 'udp' ? 'UDP ' : ''}ports (at most ${MAX_DISCOVERED_PORTS})`;
    const seen = new Set<number>();
    for (const [i, p] of list.entries()) {
      if (!isObject(p) || Object.keys(p).length !== 2) return `${member}[${i}] is not {port, host}`;
      const { port, host } = p;
      if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) return `${member}[${i}].port is not a port number (1-65535)`;
      if (seen.has(port)) return `lists ${member === 'udp' ? 'UDP ' : ''}port ${port} twice`;
      seen.add(port);
      if (typeof host !== 'string' || host.length > MAX_DISCOVERED_HOST || !(isIPv4(host) || isIPv6(host))) return `${member}[${i}].host is not an IPv4 or IPv6 address`;
    }
  }
  return undefined;
}

/** §4.1: the version check both sides run on the peer's HELLO. */
export function checkHello(mine: Hello, theirs: Hello): ProtocolError | undefined {
  if (theirs.protocol !== mine.protocol) {
    return new ProtocolError('version-mismatch',
      `the ${theirs.role} speaks norouter protocol ${theirs.protocol} (norouter ${theirs.version}), this ${mine.role} speaks protocol ${mine.protocol} (norouter ${mine.version}): install the same norouter version on every host`);
  }
  if (theirs.role === mine.role) return new ProtocolError('bad-control', `both ends of the link say they are the ${mine.role}`);
  return undefined;
}

export function makeHello(role: Hello['role'], vip: string, version: string, features: readonly string[]): Hello {
  return { protocol: PROTOCOL_VERSION, features: [...features], role, vip, version };
}

/** The features both sides announced (§4.1): a side sends an optional control type only if it is here. */
export function commonFeatures(mine: Hello, theirs: Hello): Set<string> {
  const t = new Set(theirs.features);
  return new Set(mine.features.filter((f) => t.has(f)));
}
