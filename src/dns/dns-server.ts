/**
 * The DNS server one agent runs on its VIP, UDP and TCP, built on dns2 3.0.0: dns2
 * parses the queries we answer and encodes the answers; every packet is first inspected by
 * packet-guard.ts, because dns2 3.0.0 stalls for seconds on a packet whose header lies about its
 * counts. A host name or alias gets its VIP (A), any other type of a known name NOERROR with no
 * records (musl fails a whole lookup on NXDOMAIN for AAAA), and everything else is relayed as raw
 * bytes to the host's own nameservers (relay.ts).
 */
import { once } from 'node:events';
import type { RemoteInfo } from 'node:dgram';
import type { Socket } from 'node:net';
import dns2 from 'dns2';
import { inspectQuery, QCLASS_IN, QTYPE_A, QTYPE_ANY } from './packet-guard.js';
import type { NameTable } from './name-table.js';
import { relayTcp, UdpRelay, type RelayOptions, type Upstream } from './relay.js';

const { Packet, UDPServer, TCPServer } = dns2;
type Request = InstanceType<typeof Packet>;

/** Answers may change on reload: clients should not keep them long. */
export const ANSWER_TTL_S = 5;
/** An idle TCP client is closed after this (RFC 7766 §6.2.3 suggests seconds). */
const TCP_IDLE_MS = 10_000;
/** Queries relayed at once for one TCP client; a client that pipelines more is cut off. */
const MAX_TCP_IN_FLIGHT = 64;
const MAX_TCP_CLIENTS = 256;

export interface DnsServerOptions extends RelayOptions {
  vip: string;
  log: (line: string) => void;
}

export interface Counters {
  answered: number;
  relayed: number;
  dropped: number;
}

export class DnsServer {
  readonly counters: Counters = { answered: 0, relayed: 0, dropped: 0 };
  private readonly udp: InstanceType<typeof UDPServer>;
  private readonly tcp: InstanceType<typeof TCPServer>;
  private readonly relay: UdpRelay;
  private readonly clients = new Set<Socket>();
  private sendErrorLogged = false;

  constructor(private table: NameTable, private upstreams: readonly Upstream[], private readonly options: DnsServerOptions) {
    this.relay = new UdpRelay(upstreams, options.log, options);
    const server = this;
    // dns2's UDP server calls handle() for every datagram: the guard runs before dns2 parses.
    this.udp = new (class extends UDPServer {
      override handle(data: Buffer, rinfo: RemoteInfo): void {
        server.onDatagram(data, rinfo, (d, r) => super.handle(d, r));
      }
    })({ type: 'udp4' });
    this.udp.on('request', (request: Request, send: (r: Request) => Promise<unknown>) => {
      send(this.answer(request)).catch((error: unknown) => this.sendFailed(error));
    });
    this.udp.on('requestError', () => this.counters.dropped++);
    // dns2's TCP server parses straight from the socket with no guard: only its net.Server is used.
    this.tcp = new (class extends TCPServer {
      handle(client: Socket): void {
        server.onTcpClient(client);
      }
    })();
    this.tcp.maxConnections = MAX_TCP_CLIENTS;
  }

  /** Binds UDP and TCP on vip:port; rejects (closing what bound) when either cannot. */
  async listen(port: number): Promise<number> {
    const { vip } = this.options;
    this.udp.bind(port, vip);
    await onceOrError(this.udp, 'listening');
    const bound = this.udp.address().port;
    try {
      this.tcp.listen({ port: bound, host: vip, backlog: 511 });
      await onceOrError(this.tcp, 'listening');
    } catch (error) {
      this.udp.close();
      throw error;
    }
    this.udp.on('error', (error) => this.options.log(`dns: UDP server error: ${error.message}`));
    this.tcp.on('error', (error) => this.options.log(`dns: TCP server error: ${error.message}`));
    return bound;
  }

  /** New names (a reload): served from the next query on, with no socket touched. */
  setTable(table: NameTable): void {
    this.table = table;
  }

  setUpstreams(upstreams: readonly Upstream[]): void {
    this.upstreams = upstreams;
    this.relay.setUpstreams(upstreams);
  }

  async close(): Promise<void> {
    this.relay.close();
    for (const c of this.clients) c.destroy();
    const closed = [
      new Promise<void>((resolve) => this.tcp.close(() => resolve())),
      new Promise<void>((resolve) => {
        try {
          this.udp.close(() => resolve());
        } catch {
          resolve(); // never bound
        }
      }),
    ];
    await Promise.all(closed);
  }

  private onDatagram(data: Buffer, rinfo: RemoteInfo, parse: (d: Buffer, r: RemoteInfo) => void): void {
    const v = inspectQuery(data);
    if (v.kind === 'drop') {
      this.counters.dropped++;
      return;
    }
    if (v.kind === 'query' && this.table.lookup(v.name) !== undefined) {
      this.counters.answered++;
      parse(data, rinfo); // dns2 parses, then emits 'request' synchronously: answer() runs now
      return;
    }
    this.counters.relayed++;
    this.relay.relay(data, v.questionEnd, (answer) => {
      this.udp.send(answer, rinfo.port, rinfo.address, (error) => {
        if (error) this.sendFailed(error);
      });
    });
  }

  /** The answer to a query for one of our names (the guard has checked it is one). */
  answer(request: Request): Request {
    const response = Packet.createResponseFromRequest(request);
    response.header.aa = 1;
    response.header.ra = 1;
    const q = request.questions[0];
    const name = q?.name.toLowerCase();
    const vip = name === undefined ? undefined : this.table.lookup(name.endsWith('.') ? name.slice(0, -1) : name);
    if (!q || vip === undefined) {
      response.header.rcode = 3; // NXDOMAIN: the name left the table between guard and parse
      return response;
    }
    if ((q.type === QTYPE_A || q.type === QTYPE_ANY) && q.class === QCLASS_IN) {
      response.answers.push({ name: q.name, type: QTYPE_A, class: QCLASS_IN, ttl: ANSWER_TTL_S, address: vip } as Request['answers'][number]);
    }
    // RFC 6891 §6.1.1: a query with OPT gets OPT back.
    if (request.additionals?.some((r) => r.type === Packet.TYPE.EDNS)) {
      response.additionals.push(Packet.Resource.EDNS([]));
    }
    return response;
  }

  private onTcpClient(client: Socket): void {
    this.clients.add(client);
    client.setTimeout(TCP_IDLE_MS, () => client.destroy());
    client.on('error', () => {});
    client.on('close', () => this.clients.delete(client));
    let buffered: Buffer = Buffer.alloc(0);
    let inFlight = 0;
    let ended = false;
    const write = (msg: Buffer): void => {
      if (client.destroyed || !client.writable) return;
      const len = Buffer.allocUnsafe(2);
      len.writeUInt16BE(msg.length);
      client.write(Buffer.concat([len, msg]));
    };
    const settle = (): void => {
      if (ended && inFlight === 0 && !client.destroyed) client.end();
    };
    client.on('data', (chunk: Buffer) => {
      buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
      while (buffered.length >= 2) {
        const len = buffered.readUInt16BE(0);
        if (buffered.length < 2 + len) break;
        const msg = buffered.subarray(2, 2 + len);
        buffered = buffered.subarray(2 + len);
        const v = inspectQuery(msg);
        if (v.kind === 'drop') {
          this.counters.dropped++;
          client.destroy();
          return;
        }
        if (v.kind === 'query' && this.table.lookup(v.name) !== undefined) {
          this.counters.answered++;
          write(this.answer(Packet.parse(msg)).toBuffer());
          continue;
        }
        if (inFlight >= MAX_TCP_IN_FLIGHT) {
          client.destroy();
          return;
        }
        this.counters.relayed++;
        inFlight++;
        void relayTcp(Buffer.from(msg), v.questionEnd, this.upstreams, this.options).then((answer) => {
          inFlight--;
          write(answer);
          settle();
        });
      }
    });
    client.on('end', () => {
      ended = true;
      settle();
    });
  }

  private sendFailed(error: unknown): void {
    // A client that went away is normal; say it once, not per packet.
    if (this.sendErrorLogged) return;
    this.sendErrorLogged = true;
    this.options.log(`dns: cannot send an answer: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function onceOrError(emitter: NodeJS.EventEmitter, event: string): Promise<void> {
  return once(emitter, event).then(() => undefined);
}
