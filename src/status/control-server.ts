/**
 * The control socket of a running mesh (docs/status.md): a Unix socket in the control directory
 * (control-path.ts), mode 0600. A client writes one JSON request line and reads one JSON
 * snapshot line back. Nothing listens on TCP. A socket left behind by a router that was killed is
 * found dead (nothing accepts on it) and replaced; one that answers belongs to a router still
 * running the same manifest, and is left alone.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { ensureControlDir, socketPath, socketPathFits } from './control-path.js';
import { SNAPSHOT_VERSION, type Snapshot, type SnapshotRequest } from './snapshot.js';

/** A request is one short line; a client that sends more, or nothing for this long, is dropped. */
const MAX_REQUEST = 4096;
const REQUEST_TIMEOUT_MS = 5_000;

export type ControlStart =
  | { ok: true; server: ControlServer }
  | { ok: false; code: 'control-dir' | 'control-path' | 'control-in-use' | 'control-listen'; message: string };

export class ControlServer {
  private constructor(private readonly server: Server, readonly path: string, private readonly ino: number) {}

  /** Listens on the socket of `manifest`'s mesh; `snapshot` answers each request. */
  static async start(manifest: string, snapshot: (detail: boolean) => Snapshot, env: NodeJS.ProcessEnv = process.env): Promise<ControlStart> {
    const dir = ensureControlDir(env);
    if (!dir.ok) return dir;
    const path = socketPath(dir.dir, manifest);
    if (!socketPathFits(path)) return { ok: false, code: 'control-path', message: `the control socket path ${path} is too long for a Unix socket: set XDG_RUNTIME_DIR or TMPDIR to a shorter directory` };
    const server = createServer((socket) => serve(socket, snapshot));
    let listened = await listen(server, path);
    if (listened === 'EADDRINUSE') {
      if (await answers(path)) return { ok: false, code: 'control-in-use', message: `another norouter is running this manifest (its control socket ${path} answers)` };
      // Left behind by a router that was killed: nothing accepts on it any more.
      try { unlinkSync(path); } catch { /* gone meanwhile */ }
      listened = await listen(server, path);
    }
    if (listened !== 'ok') return { ok: false, code: 'control-listen', message: `cannot listen on the control socket ${path}: ${listened}` };
    chmodSync(path, 0o600);
    server.unref();
    return { ok: true, server: new ControlServer(server, path, lstatSync(path).ino) };
  }

  /** Stops listening and removes the socket, if it is still ours. */
  close(): void {
    this.server.close();
    try {
      if (lstatSync(this.path).ino === this.ino) unlinkSync(this.path);
    } catch { /* already gone */ }
  }
}

function listen(server: Server, path: string): Promise<'ok' | string> {
  return new Promise((resolve) => {
    const onError = (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message);
    server.once('error', onError);
    server.listen(path, () => {
      server.off('error', onError);
      resolve('ok');
    });
  });
}

/** Whether something accepts on the socket at `path`. */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection(path);
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

function serve(socket: Socket, snapshot: (detail: boolean) => Snapshot): void {
  let request = '';
  socket.setTimeout(REQUEST_TIMEOUT_MS, () => socket.destroy());
  socket.on('error', () => {});
  socket.on('data', (chunk: Buffer) => {
    request += chunk.toString('utf8');
    const nl = request.indexOf('\n');
    if (nl < 0) {
      if (request.length > MAX_REQUEST) socket.destroy();
      return;
    }
    socket.removeAllListeners('data');
    const parsed = parseRequest(request.slice(0, nl));
    if (typeof parsed === 'string') {
      socket.end(`${JSON.stringify({ version: SNAPSHOT_VERSION, error: parsed })}\n`);
      return;
    }
    socket.end(`${JSON.stringify(snapshot(parsed.detail === true))}\n`);
  });
}

function parseRequest(line: string): SnapshotRequest | string {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return 'the request is not JSON';
  }
  if (typeof v !== 'object' || v === null) return 'the request is not a JSON object';
  const r = v as Record<string, unknown>;
  if (r.version !== SNAPSHOT_VERSION) return `this router speaks snapshot version ${SNAPSHOT_VERSION}, the request asked for ${String(r.version)}`;
  return { version: SNAPSHOT_VERSION, detail: r.detail === true };
}
