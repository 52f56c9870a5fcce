/**
 * The bench's load program: one process per network namespace, driven by JSON lines on stdin
 * (one command per line, `{id, op, …}`), answering one JSON line per command on stdout
 * (`{id, ok, …}` or `{id, error}`). Servers listen on 127.0.0.1 inside the namespace; clients
 * connect to whatever address the command names (a VIP through the mesh, or the socat chain).
 * Run it as `node --import tsx bench/lib/worker.ts`; bench/lib/worker-client.ts spawns it.
 */
import { createInterface } from 'node:readline';
import { connect, createServer, type Server, type Socket } from 'node:net';

type Command =
  | { id: number; op: 'serve'; kind: ServerKind; port: number }
  | { id: number; op: 'pingpong'; host: string; port: number; rounds: number; size: number }
  | { id: number; op: 'streams'; host: string; port: number; count: number; durationMs: number }
  | { id: number; op: 'stall'; host: string; port: number; direction: 'upload' | 'download' }
  | { id: number; op: 'unstall' }
  | { id: number; op: 'hold-many'; host: string; port: number; count: number; timeoutMs: number }
  | { id: number; op: 'release' }
  | { id: number; op: 'rate'; host: string; port: number; concurrency: number; durationMs: number }
  | { id: number; op: 'http-rate'; host: string; port: number; concurrency: number; durationMs: number };

type ServerKind = 'echo' | 'sink' | 'hold' | 'source' | 'http';

/** What the `http` server answers to any GET but `/big`: a fixed response of known length. */
const SMALL_RESPONSE = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok');
/** `/big`: 1 GiB of one byte, written in 256 KiB chunks so that the server's own cost stays small. */
const BIG_BYTES = 1 << 30;
const BIG_CHUNK = Buffer.alloc(256 * 1024, 0x63);
const HTTP_REQUEST = Buffer.from('GET / HTTP/1.1\r\nHost: bench\r\n\r\n');

/** 64 KiB: one Node socket read, the size both the mesh and socat -b 65536 move per read. */
const CHUNK = Buffer.alloc(64 * 1024, 0x61);
const servers: Server[] = [];
const stalled: Socket[] = [];
const held: Socket[] = [];
let stalledBytes = 0;

function serve(kind: ServerKind, port: number): Promise<object> {
  const server = createServer({ allowHalfOpen: true, noDelay: true }, (s) => {
    s.on('error', () => {});
    if (kind === 'echo') s.pipe(s);
    else if (kind === 'http') serveHttp(s);
    else if (kind === 'hold') s.pause(); // never reads: the kernel buffers fill, then the mesh's window
    else if (kind === 'sink') {
      let n = 0;
      s.on('data', (d: Buffer) => { n += d.length; });
      s.on('end', () => {
        const b = Buffer.alloc(8);
        b.writeBigUInt64LE(BigInt(n));
        s.end(b);
      });
    } else {
      const pump = (): void => {
        while (!s.destroyed && s.write(CHUNK));
      };
      s.on('drain', pump);
      pump();
    }
  });
  servers.push(server);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port, backlog: 4096 }, () => resolve({ port }));
  });
}

/**
 * A minimal HTTP/1.1 server, cheap enough not to be the bottleneck: requests without bodies,
 * keep-alive; `GET /big` streams BIG_BYTES with a Content-Length (curl's bulk download),
 * anything else gets SMALL_RESPONSE (the keep-alive request rate).
 */
function serveHttp(s: Socket): void {
  let head = '';
  let busy = false;
  const next = (): void => {
    const end = head.indexOf('\r\n\r\n');
    if (busy || end < 0) return;
    const request = head.slice(0, end);
    head = head.slice(end + 4);
    if (!/^GET \/big /.test(request)) {
      s.write(SMALL_RESPONSE);
      next();
      return;
    }
    busy = true;
    s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${BIG_BYTES}\r\nContent-Type: application/octet-stream\r\n\r\n`);
    let left = BIG_BYTES;
    const pump = (): void => {
      while (left > 0 && !s.destroyed) {
        const chunk = left >= BIG_CHUNK.length ? BIG_CHUNK : BIG_CHUNK.subarray(0, left);
        left -= chunk.length;
        if (!s.write(chunk)) return;
      }
      if (left === 0) {
        s.off('drain', pump);
        busy = false;
        next();
      }
    };
    s.on('drain', pump);
    pump();
  };
  s.on('data', (d: Buffer) => {
    head += d.toString('latin1');
    next();
  });
  s.on('end', () => s.end());
}

/** `concurrency` keep-alive connections, each sending one small GET after another for `durationMs`. */
async function httpRate(host: string, port: number, concurrency: number, durationMs: number): Promise<object> {
  let done = 0;
  const t0 = process.hrtime.bigint();
  const deadline = Date.now() + durationMs;
  const loop = async (): Promise<void> => {
    const s = await open(host, port);
    let got = 0;
    let wake: (() => void) | undefined;
    s.on('data', (d: Buffer) => {
      got += d.length;
      if (got >= SMALL_RESPONSE.length && wake) {
        got -= SMALL_RESPONSE.length;
        const f = wake;
        wake = undefined;
        f();
      }
    });
    while (Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        s.write(HTTP_REQUEST);
      });
      done++;
    }
    s.destroy();
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { done, seconds };
}

function open(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port, noDelay: true, allowHalfOpen: true });
    s.once('connect', () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}

/** Sequential request/response round trips of `size` bytes; returns each one in µs. */
async function pingpong(host: string, port: number, rounds: number, size: number): Promise<object> {
  const s = await open(host, port);
  const msg = Buffer.alloc(size, 0x62);
  const rtts: number[] = [];
  let got = 0;
  let done: (() => void) | undefined;
  s.on('data', (d: Buffer) => {
    got += d.length;
    if (got >= size && done) {
      got -= size;
      const f = done;
      done = undefined;
      f();
    }
  });
  for (let i = 0; i < rounds; i++) {
    const t0 = process.hrtime.bigint();
    await new Promise<void>((resolve) => {
      done = resolve;
      s.write(msg);
    });
    rtts.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  s.destroy();
  return { rtts };
}

/** `count` uploads to a sink for `durationMs`; bytes the sinks counted over the time until the last count. */
async function streams(host: string, port: number, count: number, durationMs: number): Promise<object> {
  const t0 = process.hrtime.bigint();
  const deadline = Date.now() + durationMs;
  const one = async (): Promise<number> => {
    const s = await open(host, port);
    const reply: Buffer[] = [];
    const counted = new Promise<number>((resolve, reject) => {
      s.on('data', (d: Buffer) => reply.push(d));
      s.on('end', () => resolve(Number(Buffer.concat(reply).readBigUInt64LE(0))));
      s.on('error', reject);
    });
    await new Promise<void>((resolve) => {
      const pump = (): void => {
        while (Date.now() < deadline) if (!s.write(CHUNK)) return;
        s.off('drain', pump);
        s.end();
        resolve();
      };
      s.on('drain', pump);
      pump();
    });
    const n = await counted;
    s.destroy();
    return n;
  };
  const counts = await Promise.all(Array.from({ length: count }, one));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { bytes: counts.reduce((a, b) => a + b, 0), seconds, counts };
}

/** A connection whose reader never reads: we upload to a `hold` server, or never read a `source`. */
async function stall(host: string, port: number, direction: 'upload' | 'download'): Promise<object> {
  const s = await open(host, port);
  s.on('error', () => {});
  stalled.push(s);
  if (direction === 'download') s.pause();
  else {
    const pump = (): void => {
      while (!s.destroyed && s.write(CHUNK)) stalledBytes += CHUNK.length;
    };
    s.on('drain', pump);
    pump();
  }
  return {};
}

/** Opens `count` connections at once to an echo server; each proves itself with a 1-byte echo and stays open. */
async function holdMany(host: string, port: number, count: number, timeoutMs: number): Promise<object> {
  let failed = 0;
  const errors = new Map<string, number>();
  const one = async (): Promise<void> => {
    try {
      const s = await open(host, port);
      held.push(s);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no echo')), timeoutMs);
        s.once('data', () => { clearTimeout(timer); resolve(); });
        s.once('error', (e) => { clearTimeout(timer); reject(e); });
        s.write('x');
      });
    } catch (e) {
      failed++;
      const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      errors.set(code, (errors.get(code) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: count }, one));
  return { ok: count - failed, failed, errors: Object.fromEntries(errors) };
}

/** Closes every held connection and waits until they are all closed. */
async function release(): Promise<object> {
  const all = held.splice(0);
  await Promise.all(all.map((s) => new Promise<void>((resolve) => {
    if (s.destroyed) return resolve();
    s.once('close', () => resolve());
    s.end();
    setTimeout(() => s.destroy(), 5000).unref();
  })));
  return { closed: all.length };
}

/** `concurrency` loops of connect, one byte each way, close; for `durationMs`. */
async function rate(host: string, port: number, concurrency: number, durationMs: number): Promise<object> {
  let done = 0;
  let failed = 0;
  const t0 = process.hrtime.bigint();
  const deadline = Date.now() + durationMs;
  const once = (): Promise<void> => new Promise((resolve, reject) => {
    const s = connect({ host, port, noDelay: true });
    const timer = setTimeout(() => { s.destroy(); reject(new Error('timeout')); }, 5000);
    s.once('error', (e) => { clearTimeout(timer); reject(e); });
    s.once('connect', () => s.write('x'));
    s.once('data', () => s.end());
    s.once('close', (hadError) => {
      clearTimeout(timer);
      if (!hadError) resolve();
    });
  });
  const loop = async (): Promise<void> => {
    while (Date.now() < deadline) {
      try {
        await once();
        done++;
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { done, failed, seconds };
}

async function handle(c: Command): Promise<object> {
  switch (c.op) {
    case 'serve': return serve(c.kind, c.port);
    case 'pingpong': return pingpong(c.host, c.port, c.rounds, c.size);
    case 'streams': return streams(c.host, c.port, c.count, c.durationMs);
    case 'stall': return stall(c.host, c.port, c.direction);
    case 'unstall': {
      for (const s of stalled.splice(0)) s.destroy();
      const bytes = stalledBytes;
      stalledBytes = 0;
      return { uploadedBeforeStall: bytes };
    }
    case 'hold-many': return holdMany(c.host, c.port, c.count, c.timeoutMs);
    case 'release': return release();
    case 'rate': return rate(c.host, c.port, c.concurrency, c.durationMs);
    case 'http-rate': return httpRate(c.host, c.port, c.concurrency, c.durationMs);
  }
}

const reply = (line: object): void => {
  process.stdout.write(`${JSON.stringify(line)}\n`);
};

createInterface({ input: process.stdin }).on('line', (line) => {
  const c = JSON.parse(line) as Command;
  handle(c).then(
    (r) => reply({ id: c.id, ok: true, ...r }),
    (e: Error) => reply({ id: c.id, error: `${(e as NodeJS.ErrnoException).code ?? ''} ${e.message}`.trim() }),
  );
});
// The bench closes our stdin when it is done (or dies): exit with it, leaving nothing behind.
process.stdin.on('end', () => process.exit(0));
reply({ id: 0, ok: true, ready: true });
