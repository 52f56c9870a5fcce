/**
 * Raw DNS over UDP and TCP for the DNS add-on's tests: queries built byte by byte (so a test can
 * put in exactly what it wants: an id, an EDNS option, garbage) and answers read with dns2.
 */
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { ownerFor, type Owner } from '../../src/dns/owner.js';
import { connect } from 'node:net';
import dns2 from 'dns2';

export const { Packet } = dns2;

/** A standard query for `name`, RD set; with `edns`, an OPT record carrying one option (code 65001). */
export function buildQuery(name: string, qtype = 1, id = 0x1234, edns?: Buffer): Buffer {
  const labels = name.split('.').filter(Boolean).flatMap((l) => [l.length, ...Buffer.from(l)]);
  const header = [id >> 8, id & 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, edns ? 1 : 0];
  const question = [...labels, 0, qtype >> 8, qtype & 0xff, 0, 1];
  const opt = edns ? [0, 0, 41, 0x10, 0x00, 0, 0, 0, 0, 0, edns.length + 4, 0xfd, 0xe9, edns.length >> 8, edns.length & 0xff, ...edns] : [];
  return Buffer.from([...header, ...question, ...opt]);
}

/** Sends one datagram and resolves with the first answer, or rejects after `timeoutMs`. */
export function udpExchange(host: string, port: number, query: Buffer, timeoutMs = 2000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`no UDP answer from ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('message', (msg) => {
      clearTimeout(timer);
      socket.close();
      resolve(msg);
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      socket.close();
      reject(error);
    });
    socket.send(query, port, host);
  });
}

/** One query over TCP (length-prefixed). */
export function tcpExchange(host: string, port: number, query: Buffer, timeoutMs = 2000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let got: Buffer = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no TCP answer from ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('connect', () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(query.length);
      socket.write(Buffer.concat([len, query]));
    });
    socket.on('data', (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      if (got.length >= 2 && got.length >= 2 + got.readUInt16BE(0)) {
        clearTimeout(timer);
        socket.destroy();
        resolve(got.subarray(2, 2 + got.readUInt16BE(0)));
      }
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

export interface Answer {
  id: number;
  rcode: number;
  addresses: string[];
}

export function readAnswer(msg: Buffer): Answer {
  const p = Packet.parse(msg);
  return { id: p.header.id, rcode: p.header.rcode, addresses: p.answers.flatMap((a) => (a.address ? [a.address] : [])) };
}

/**
 * A plain dns2 server standing in for a host's own nameserver: `names` get A records, anything
 * else NXDOMAIN; `seen` records the raw bytes of every query it received.
 */
export async function startUpstream(host: string, names: Record<string, string>): Promise<{ port: number; seen: Buffer[]; close(): Promise<void> }> {
  const seen: Buffer[] = [];
  const handle = (request: InstanceType<typeof Packet>, send: (r: InstanceType<typeof Packet>) => Promise<unknown> | void): void => {
    const response = Packet.createResponseFromRequest(request);
    const q = request.questions[0];
    const address = q ? names[q.name.toLowerCase()] : undefined;
    if (q && address) response.answers.push({ name: q.name, type: Packet.TYPE.A, class: Packet.CLASS.IN, ttl: 60, address } as never);
    else response.header.rcode = 3;
    if (request.additionals.some((r) => r.type === Packet.TYPE.EDNS)) response.additionals.push(Packet.Resource.EDNS([]));
    void Promise.resolve(send(response)).catch(() => {});
  };
  const udp = dns2.createUDPServer(handle);
  udp.prependListener('message', (msg: Buffer) => seen.push(Buffer.from(msg)));
  await udp.listen(0, host);
  const port = udp.address().port;
  const tcp = dns2.createTCPServer(handle);
  await new Promise<void>((resolve) => tcp.listen(port, host, resolve));
  return {
    port,
    seen,
    close: async () => {
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    },
  };
}

/** A real process standing in for another agent that owns a change: alive until stop(). */
export async function liveOwner(vip: string, port?: number): Promise<{ owner: Owner; stop(): Promise<void> }> {
  const child = spawn('sleep', ['1000'], { stdio: 'ignore' });
  await once(child, 'spawn');
  const owner = ownerFor(vip, port, child.pid as number);
  return {
    owner,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** The owner record of a real process that has exited since (an agent killed with SIGKILL). */
export async function deadOwner(vip: string, port?: number): Promise<Owner> {
  const { owner, stop } = await liveOwner(vip, port);
  await stop();
  return owner;
}
