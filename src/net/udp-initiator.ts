/**
 * The client side of UDP (docs/protocol.md §14.2): one socket on each VIP:PORT/udp this host
 * answers (other hosts' published UDP ports, and its own), and one flow per local client
 * address and port, named by a flow port this agent picks. Datagrams from a client go out as
 * frames of its flow; replies come back by flow port and leave from the listening socket, so
 * the client sees them come from the VIP:PORT it sent to, and only its own.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { HEADER_LEN, abortPayload, datagramHeader, flowEndHeader, ipFromString, ipToString, type Frame, type FrameHeader } from '../protocol/index.js';
import type { AbortReason } from '../protocol/reasons.js';
import type { UdpDrops } from './udp-drops.js';
import { FIRST_FLOW_PORT, LAST_FLOW_PORT, UDP_MAX_SEND_QUEUE, UDP_READ_PAUSE_MS, UDP_SOCKET_BUFFER } from './udp-limits.js';
import { ReadPause } from './udp-read-pause.js';
import type { UdpShare } from './udp-share.js';
import { RetryingListens, type ListenTarget } from './retrying-listens.js';

/** What the UDP side needs of the link. */
export interface UdpLink {
  send(header: FrameHeader, payload: Buffer): boolean;
  /** Bytes queued towards the router and not yet taken. */
  readonly backlog: number;
  /** Bytes queued since the link began (./udp-share.ts). */
  readonly queuedBytes: number;
}

interface Listener {
  target: ListenTarget;
  vip: number;
  socket: Socket;
  /** Stops the socket reading while the link refuses datagrams (./udp-read-pause.ts). */
  reading: ReadPause;
  bound: boolean;
  /** close() was called: a dgram socket throws when closed twice. */
  closed: boolean;
}

interface ClientFlow {
  id: number;
  key: string;
  listener: Listener;
  address: string;
  port: number;
  last: number;
}

const key = (t: ListenTarget): string => `${t.ip}:${t.port}`;

export class UdpInitiator {
  private readonly listens: RetryingListens<Listener>;
  private readonly byClient = new Map<string, ClientFlow>();
  private readonly byId = new Map<number, ClientFlow>();
  private nextId = FIRST_FLOW_PORT;
  private closed = false;

  constructor(
    private readonly me: number,
    private readonly link: UdpLink,
    private readonly share: UdpShare,
    private readonly drops: UdpDrops,
    private readonly limits: () => { maxFlows: number },
    /**
     * Whether the router announced `udp` (§14.6); undefined before its HELLO. Datagrams are
     * dropped, not sent, unless it did.
     */
    private readonly enabled: () => boolean | undefined,
    log: (line: string) => void,
    onChange: () => void,
  ) {
    this.listens = new RetryingListens<Listener>({
      suffix: '/udp',
      open: (t, k, listening, failed) => this.open(t, k, listening, failed),
      close: (l) => {
        if (l.closed) return;
        l.closed = true;
        l.reading.close();
        l.socket.close();
      },
      isListening: (l) => l.bound,
      // Its flows end with it, the publishing host told (§14.3).
      withdrawn: (l) => {
        for (const flow of [...this.byId.values()]) if (flow.listener === l) this.end(flow, 'policy');
      },
    }, log, onChange);
  }

  get flows(): number {
    return this.byId.size;
  }

  /** The addresses that should be listened on and are not, with why (STATUS, §4.6). */
  get failures(): { listen: string; error: string }[] {
    return this.listens.failures;
  }

  get listening(): string[] {
    return this.listens.listening;
  }

  /** Opens what is new, closes what was withdrawn (and ends its flows); resolves once every new socket is bound or failed. */
  apply(targets: readonly ListenTarget[]): Promise<void> {
    return this.listens.apply(targets);
  }

  private open(t: ListenTarget, k: string, listening: () => void, failed: (error: Error) => void): Listener {
    const socket = createSocket({ type: 'udp4', recvBufferSize: UDP_SOCKET_BUFFER, sendBufferSize: UDP_SOCKET_BUFFER });
    const l: Listener = { target: t, vip: ipFromString(t.ip) ?? 0, socket, reading: new ReadPause(socket), bound: false, closed: false };
    socket.on('message', (msg, rinfo) => this.fromClient(l, msg, rinfo));
    const onError = (e: Error): void => {
      l.closed = true;
      l.reading.close();
      socket.close();
      failed(e);
    };
    socket.once('error', onError);
    socket.bind({ address: t.ip, port: t.port }, () => {
      socket.off('error', onError);
      // After binding, a socket error (an ICMP error on a send to a client) concerns one datagram.
      socket.on('error', (e) => this.drops.add('send-failed', () => `${k}/udp: ${e.message}`));
      l.bound = true;
      listening();
    });
    return l;
  }

  private fromClient(l: Listener, msg: Buffer, rinfo: RemoteInfo): void {
    if (this.closed) return;
    // Only a drop's message needs it: built then, not for every datagram.
    const where = (): string => `${key(l.target)}/udp from ${rinfo.address}:${rinfo.port}`;
    const enabled = this.enabled();
    if (enabled === undefined) return this.drops.add('host-down', () => `${where()}: the link to the router is not up yet`);
    if (!enabled) return this.drops.add('peer-too-old', () => `${where()}: the router is too old for UDP: install this norouter version there`);
    const clientKey = `${l.vip}:${l.target.port}|${rinfo.address}:${rinfo.port}`;
    let flow = this.byClient.get(clientKey);
    if (!flow) {
      if (this.byId.size >= this.limits().maxFlows) return this.drops.add('flow-limit', () => `${where()}: ${this.byId.size} flows already (udp.maxFlows)`);
      const id = this.pickId();
      if (id === undefined) return this.drops.add('flow-limit', () => `${where()}: no free flow port`);
      flow = { id, key: clientKey, listener: l, address: rinfo.address, port: rinfo.port, last: 0 };
      this.byClient.set(clientKey, flow);
      this.byId.set(id, flow);
    }
    flow.last = Date.now();
    // §14.4: a congested link drops the datagram; queued, it would delay every TCP frame behind it.
    // The socket stops reading for a moment: the kernel drops the rest of a flood, not this loop.
    const full = this.share.refuse(this.link);
    if (full) {
      l.reading.pause(UDP_READ_PAUSE_MS);
      return this.drops.add('link-congested', () => `${where()}: ${full}`);
    }
    this.link.send(datagramHeader(this.flowOf(flow), false), msg);
    this.share.sent(this.link, HEADER_LEN + msg.length);
  }

  /** A reply from the publishing host (FROM_ACCEPTOR): to the client of its flow, from the VIP:PORT it sent to. */
  reply(frame: Frame): void {
    const flow = this.byId.get(frame.dstPort);
    if (!flow || flow.listener.vip !== frame.srcIP || flow.listener.target.port !== frame.srcPort) {
      return this.drops.add('no-flow', () => `a reply from ${key({ ip: ipToString(frame.srcIP), port: frame.srcPort })}/udp for flow port ${frame.dstPort}, which this host does not have`);
    }
    const socket = flow.listener.socket;
    if (socket.getSendQueueSize() > UDP_MAX_SEND_QUEUE) return this.drops.add('send-queue-full', () => `to ${flow.address}:${flow.port}: its socket's send queue is full`);
    flow.last = Date.now();
    socket.send(frame.payload, flow.port, flow.address, (error) => {
      if (error) this.drops.add('send-failed', () => `to ${flow.address}:${flow.port}: ${error.message}`);
    });
  }

  /** The publishing host ended a flow (§14.3): forget it; the client's next datagram opens a new one. */
  ended(frame: Frame): void {
    const flow = this.byId.get(frame.dstPort);
    if (flow && flow.listener.vip === frame.srcIP && flow.listener.target.port === frame.srcPort) this.forget(flow);
  }

  /** Ends the flows idle since before `cutoff`, telling the publishing host (§14.3). */
  sweep(cutoff: number): void {
    for (const flow of [...this.byId.values()]) if (flow.last < cutoff) this.end(flow, 'timeout');
  }

  /** Ends every flow whose publishing host is `vip` (PEER_DOWN, §4.4): it has no state left. */
  peerDown(vip: number): void {
    for (const flow of [...this.byId.values()]) if (flow.listener.vip === vip) this.forget(flow);
  }

  closeAll(): void {
    this.closed = true;
    this.listens.closeAll();
    this.byClient.clear();
    this.byId.clear();
  }

  private end(flow: ClientFlow, reason: AbortReason): void {
    this.forget(flow);
    this.link.send(flowEndHeader(this.flowOf(flow), false), abortPayload(reason));
  }

  private forget(flow: ClientFlow): void {
    this.byId.delete(flow.id);
    this.byClient.delete(flow.key);
  }

  private flowOf(flow: ClientFlow) {
    return { srcIP: this.me, srcPort: flow.id, dstIP: flow.listener.vip, dstPort: flow.listener.target.port };
  }

  /**
   * The next free flow port after the last one picked: a port comes back into use only after
   * every other one has, so a late reply of an ended flow is very unlikely to meet a new client
   * (§14.3).
   */
  private pickId(): number | undefined {
    const span = LAST_FLOW_PORT - FIRST_FLOW_PORT + 1;
    for (let i = 0; i < span; i++) {
      const id = this.nextId;
      this.nextId = id === LAST_FLOW_PORT ? FIRST_FLOW_PORT : id + 1;
      if (!this.byId.has(id)) return id;
    }
    return undefined;
  }
}
