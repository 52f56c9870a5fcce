/**
 * End to end: `/udp` ports (docs/protocol.md §14) through a real mesh of the local host and two
 * network namespaces. Real servers and clients: `dig` in one namespace asks the DNS add-on of
 * the other host by VIP and port; a socat UDP echo in h1 answers 10,000 datagrams of varied
 * sizes from this process (the local host), each checked; two clients at once get only their own
 * replies; an idle flow ends (seen as its socket on the publishing host going away); a reload
 * withdraws a UDP port (the client's next send is refused by its own kernel: nothing listens).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { manifestText, nsHostCmd, startMesh, type Mesh, type MeshHost } from '../helpers/mesh.js';
import { canUseNetns, createNetns, destroyAllNetns, execIn } from '../helpers/netns.js';
import { FollowedProcess, which } from '../helpers/processes.js';
import { nextVip } from '../helpers/vips.js';
import { waitFor } from '../helpers/wait.js';
import { cmdFor } from '../helpers/netns.js';

const SKIP = canUseNetns() ?? (which('socat') ? undefined : '`socat` is not installed') ?? (which('dig') ? undefined : '`dig` (bind9-dnsutils) is not installed');
const ECHO = 7000;
const DNS = 5353;
/** Short enough for a test to see flows end, long enough that no flow ends while a test uses it. */
const IDLE_S = 1;

const procs: FollowedProcess[] = [];
after(async () => {
  await Promise.all(procs.map((p) => p.stop('SIGKILL').catch(() => {})));
  destroyAllNetns();
});

/** A UDP socket of this process, with every datagram it receives queued for `next`. */
class Client {
  readonly socket: Socket = createSocket('udp4');
  private readonly inbox: Buffer[] = [];
  private waiter: ((b: Buffer) => void) | undefined;
  errors: Error[] = [];

  constructor() {
    this.socket.on('message', (msg) => {
      const w = this.waiter;
      this.waiter = undefined;
      if (w) w(msg);
      else this.inbox.push(msg);
    });
    this.socket.on('error', (e) => this.errors.push(e));
  }

  async bind(): Promise<void> {
    await new Promise<void>((resolve) => this.socket.bind(0, '127.0.0.1', resolve));
  }

  send(msg: Buffer, ip: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => this.socket.send(msg, port, ip, (e) => (e ? reject(e) : resolve())));
  }

  /** The next datagram received, or undefined after `ms` (a lost datagram is a verdict, not a hang). */
  next(ms: number): Promise<Buffer | undefined> {
    const queued = this.inbox.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        resolve(undefined);
      }, ms);
      this.waiter = (b) => {
        clearTimeout(timer);
        resolve(b);
      };
    });
  }

  /** Forgets datagrams received and not yet taken (late answers to retried sends). */
  drain(): void {
    this.inbox.length = 0;
  }

  close(): void {
    this.socket.close();
  }
}

/** Deterministic payloads of varied sizes: `tag`, the index, then bytes derived from both. */
function payload(tag: number, i: number): Buffer {
  const sizes = [1, 7, 64, 200, 512, 1200, 1472, 4000, 9000, 16_384, 32_000, 65_507];
  const size = Math.max(9, sizes[i % sizes.length] ?? 64);
  const b = Buffer.alloc(size);
  b[0] = tag;
  b.writeUInt32BE(i, 1);
  b.writeUInt32BE(size, 5);
  for (let k = 9; k < size; k++) b[k] = (k * 31 + i * 7 + tag) & 0xff;
  return b;
}

function show(b: Buffer | undefined): string {
  return b ? `tag ${b[0]}, index ${b.length >= 5 ? b.readUInt32BE(1) : '?'}, ${b.length} bytes` : 'nothing';
}

/** Sockets on the publishing host connected to the echo target: one per live flow (udp-acceptor.ts). */
async function flowSockets(ns: string): Promise<number> {
  const r = await execIn(ns, ['ss', '-Hun', 'dst', `127.0.0.1:${ECHO}`]);
  return r.stdout.split('\n').filter((l) => l.trim()).length;
}

describe('UDP ports through a mesh of the local host and two network namespaces', { skip: SKIP, timeout: 120_000 }, () => {
  let mesh: Mesh;
  let h1ns: string;
  let h2ns: string;
  const vips = { local: '', h1: '', h2: '' };
  let hosts: MeshHost[];

  before(async () => {
    h1ns = await createNetns();
    h2ns = await createNetns();
    vips.local = nextVip();
    vips.h1 = nextVip();
    vips.h2 = nextVip();
    // A real UDP echo: socat forks one child per client address and echoes through a pipe.
    const echo = new FollowedProcess(cmdFor(h1ns, ['socat', '-b', '65536', `UDP4-LISTEN:${ECHO},bind=127.0.0.1,fork,reuseaddr`, 'PIPE']));
    procs.push(echo);
    await waitFor(async () => (await execIn(h1ns, ['ss', '-Huna', 'sport', '=', `:${ECHO}`])).stdout.includes(`:${ECHO}`), { what: 'socat listening' });
    hosts = [
      { name: 'local', vip: vips.local },
      { name: 'h1', vip: vips.h1, cmd: nsHostCmd(h1ns), ports: [`${ECHO}:127.0.0.1:${ECHO}/udp`, `${ECHO}:127.0.0.1:${ECHO}`] },
      // h2's DNS add-on answers on its VIP:53; the mesh publishes it as h2:5353/udp.
      { name: 'h2', vip: vips.h2, cmd: nsHostCmd(h2ns), ports: [`${DNS}:${vips.h2}:53/udp`], dns: { enable: true } },
    ];
    mesh = await startMesh(hosts, 15_000, { udp: { idleTimeout: IDLE_S } });
  });
  after(() => mesh?.stop());

  test('dig in h1 asks the DNS add-on of h2 by VIP and port, through the mesh', async () => {
    const r = await waitFor(async () => {
      const out = await execIn(h1ns, ['dig', `@${vips.h2}`, '-p', String(DNS), '+short', '+tries=1', '+time=2', 'h1']);
      return out.stdout.trim() === vips.h1 ? out : undefined;
    }, { timeoutMs: 10_000, what: `dig @${vips.h2} -p ${DNS} h1 to answer ${vips.h1}` });
    assert.equal(r.stdout.trim(), vips.h1);
    const local = await execIn(h1ns, ['dig', `@${vips.h2}`, '-p', String(DNS), '+short', '+tries=1', '+time=2', 'local']);
    assert.equal(local.stdout.trim(), vips.local);
  });

  test('10,000 datagrams of varied sizes to a socat UDP echo: every one comes back intact', async () => {
    const c = new Client();
    await c.bind();
    try {
      // The first datagram may race the local agent's socket just after "ready".
      await waitFor(async () => {
        await c.send(payload(1, 0), vips.h1, ECHO);
        return (await c.next(500))?.equals(payload(1, 0));
      }, { timeoutMs: 10_000, what: 'the first echo' });
      c.drain();
      let lost = 0;
      for (let i = 1; i <= 10_000; i++) {
        const sent = payload(1, i);
        await c.send(sent, vips.h1, ECHO);
        const got = await c.next(2000);
        if (!got) {
          lost++;
          continue;
        }
        assert.ok(got.equals(sent), `datagram ${i} (${sent.length} bytes) came back as ${got.length} bytes, different`);
      }
      // One at a time on loopback: nothing is congested, so nothing may be lost.
      assert.equal(lost, 0, `${lost} of 10,000 datagrams were lost`);
    } finally {
      c.close();
    }
  });

  test('two clients at once each get only their own replies', async () => {
    const a = new Client();
    const b = new Client();
    await Promise.all([a.bind(), b.bind()]);
    try {
      // socat's fork mode makes one child per client from the first datagram; two first
      // datagrams at the same instant can both reach the first child (socat's race, not the
      // mesh's): each client says hello alone first.
      for (const [c, tag] of [[a, 0xa], [b, 0xb]] as const) {
        await c.send(payload(tag, 0), vips.h1, ECHO);
        assert.ok((await c.next(2000))?.equals(payload(tag, 0)));
      }
      for (let i = 1; i < 500; i++) {
        await Promise.all([a.send(payload(0xa, i), vips.h1, ECHO), b.send(payload(0xb, i), vips.h1, ECHO)]);
        const [ra, rb] = await Promise.all([a.next(2000), b.next(2000)]);
        assert.ok(ra?.equals(payload(0xa, i)), `client A, datagram ${i}: got ${show(ra)}`);
        assert.ok(rb?.equals(payload(0xb, i)), `client B, datagram ${i}: got ${show(rb)}`);
      }
    } finally {
      a.close();
      b.close();
    }
  });

  test('an idle flow ends (its socket on the publishing host closes); the client\'s next datagram opens a new one', async () => {
    const c = new Client();
    await c.bind();
    try {
      await c.send(payload(3, 1), vips.h1, ECHO);
      assert.ok((await c.next(2000))?.equals(payload(3, 1)));
      assert.ok(await flowSockets(h1ns) >= 1, 'the flow has a socket towards the echo on h1');
      await waitFor(async () => (await flowSockets(h1ns)) === 0, { timeoutMs: 10_000, what: `every flow to end after ${IDLE_S} s idle` });
      await c.send(payload(3, 2), vips.h1, ECHO);
      assert.ok((await c.next(2000))?.equals(payload(3, 2)), 'a new flow carries the next datagram');
      assert.equal(await flowSockets(h1ns), 1);
    } finally {
      c.close();
    }
  });

  test('a reload withdrawing the UDP port: the listener goes, the TCP port of the same number stays', async () => {
    const withdrawn = hosts.map((h) => (h.name === 'h1' ? { ...h, ports: [`${ECHO}:127.0.0.1:${ECHO}`] } : h));
    writeFileSync(mesh.manifestPath, manifestText(withdrawn, { udp: { idleTimeout: IDLE_S } }));
    process.kill(mesh.router.pid, 'SIGHUP');
    await mesh.router.waitForLine(new RegExp(`^norouter: reload \\(SIGHUP\\): h1: -${ECHO}/udp$`), 10_000);
    await mesh.router.waitForLine(new RegExp(`^\\[local\\] stopped listening on ${vips.h1.replace(/\./g, '\\.')}:${ECHO}/udp$`), 10_000);
    // Nothing listens at VIP:7000/udp here any more: the kernel answers with ICMP port
    // unreachable, which a connected socket reports as ECONNREFUSED.
    const s = createSocket('udp4');
    let refused: string | undefined;
    s.on('error', (e: NodeJS.ErrnoException) => (refused = e.code ?? e.message));
    try {
      await new Promise<void>((resolve) => s.connect(ECHO, vips.h1, resolve));
      // The ICMP error comes back asynchronously and is reported on a later operation.
      await waitFor(() => {
        if (!refused) s.send(Buffer.from('x'), (e) => e && (refused = (e as NodeJS.ErrnoException).code));
        return refused;
      }, { what: 'the kernel to refuse a datagram to the withdrawn port' });
      assert.equal(refused, 'ECONNREFUSED');
    } finally {
      s.close();
    }
    const plan = mesh.router.lines.map((l) => l.text).join('\n');
    assert.ok(!/\[local\] stopped listening on [\d.]+:7000$/m.test(plan), 'the TCP port of the same number was not withdrawn');
  });
});
