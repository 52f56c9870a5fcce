/**
 * The client side of the control socket (control-server.ts): asks one mesh, or every mesh of this
 * user (each socket in the control directory), for its snapshot. A socket nothing accepts on was
 * left by a router that was killed: listing removes it.
 */
import { createConnection } from 'node:net';
import { readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { checkControlDir, controlDirPath, socketPath } from './control-path.js';
import { SNAPSHOT_VERSION, type Snapshot } from './snapshot.js';

/** A router answers at once; a busy machine gets this long. */
export const ANSWER_TIMEOUT_MS = 5_000;
/** A snapshot of 200 hosts is well under a megabyte; more is not a router of ours. */
const MAX_ANSWER = 16 * 1024 * 1024;

export type Answer =
  | { ok: true; snapshot: Snapshot }
  | { ok: false; code: 'not-running' | 'stale' | 'refused' | 'timeout' | 'bad-answer'; message: string };

export function askSocket(path: string, detail = false, timeoutMs = ANSWER_TIMEOUT_MS): Promise<Answer> {
  return new Promise((resolve) => {
    const socket = createConnection(path);
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => finish({ ok: false, code: 'timeout', message: `no answer on ${path} within ${timeoutMs / 1000} s` }), timeoutMs);
    const finish = (answer: Answer) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    socket.on('connect', () => socket.write(`${JSON.stringify({ version: SNAPSHOT_VERSION, detail })}\n`));
    socket.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_ANSWER) return finish({ ok: false, code: 'bad-answer', message: `more than ${MAX_ANSWER} bytes from ${path}` });
      chunks.push(chunk);
    });
    socket.on('end', () => finish(parseAnswer(path, Buffer.concat(chunks).toString('utf8'))));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return finish({ ok: false, code: 'not-running', message: `no control socket at ${path}` });
      if (error.code === 'ECONNREFUSED') return finish({ ok: false, code: 'stale', message: `nothing answers on ${path} (left by a router that was killed)` });
      if (error.code === 'EACCES') return finish({ ok: false, code: 'refused', message: `no permission to use ${path}: it belongs to another user` });
      finish({ ok: false, code: 'not-running', message: `cannot connect to ${path}: ${error.message}` });
    });
  });
}

function parseAnswer(path: string, text: string): Answer {
  try {
    const v = JSON.parse(text) as Partial<Snapshot> & { error?: string };
    if (v.error) return { ok: false, code: 'bad-answer', message: `${path}: ${v.error}` };
    if (v.version !== SNAPSHOT_VERSION || !Array.isArray(v.hosts)) return { ok: false, code: 'bad-answer', message: `${path} answered snapshot version ${String(v.version)}; this norouter reads version ${SNAPSHOT_VERSION}` };
    return { ok: true, snapshot: v as Snapshot };
  } catch {
    return { ok: false, code: 'bad-answer', message: `${path} answered something that is not JSON` };
  }
}

export type MeshAnswer = { socket: string } & Answer;

/** The mesh of `manifest`, or every mesh of this user. */
export async function askMeshes(manifest: string | undefined, detail = false, env: NodeJS.ProcessEnv = process.env): Promise<MeshAnswer[]> {
  const dir = controlDirPath(env);
  if (manifest !== undefined) {
    const socket = socketPath(dir, manifest);
    return [{ socket, ...await askSocket(socket, detail) }];
  }
  const checked = checkControlDir(dir);
  if (!checked.ok) return [];
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.sock')).sort();
  } catch {
    return [];
  }
  const answers = await Promise.all(names.map(async (n) => ({ socket: join(dir, n), ...await askSocket(join(dir, n), detail) })));
  for (const a of answers) {
    if (!a.ok && a.code === 'stale') {
      try { unlinkSync(a.socket); } catch { /* gone meanwhile */ }
    }
  }
  return answers.filter((a) => a.ok || a.code !== 'stale');
}
