/**
 * Drives one bench/lib/worker.ts process (inside a network namespace) over its stdio: one JSON
 * line per command, one per answer, matched by id. Each call has a deadline so a stuck
 * measurement fails the bench instead of hanging it.
 */
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { start, stop } from './procs.js';
import { createNetns, inNetns } from './netns.js';

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../', import.meta.url));

type Answer = Record<string, unknown> & { id: number; ok?: true; error?: string };

export class Worker {
  private readonly child: ChildProcess;
  private readonly waiting = new Map<number, (a: Answer) => void>();
  private nextId = 1;
  private stderr = '';
  readonly ready: Promise<void>;

  /** `prefix` places the worker (e.g. `ip netns exec NS`). */
  constructor(readonly name: string, prefix: readonly string[]) {
    this.child = start([...prefix, process.execPath, '--import', 'tsx', WORKER], { cwd: REPO });
    this.child.stderr?.on('data', (d: Buffer) => { this.stderr = (this.stderr + d.toString()).slice(-4000); });
    const lines = createInterface({ input: this.child.stdout! });
    this.ready = new Promise((resolve, reject) => {
      this.waiting.set(0, () => resolve());
      this.child.once('exit', (code) => reject(new Error(`worker ${name} exited (${code}): ${this.stderr}`)));
    });
    lines.on('line', (line) => {
      const a = JSON.parse(line) as Answer;
      const f = this.waiting.get(a.id);
      this.waiting.delete(a.id);
      f?.(a);
    });
    this.child.once('exit', (code) => {
      for (const f of this.waiting.values()) f({ id: -1, error: `worker ${name} exited (${code}): ${this.stderr}` });
      this.waiting.clear();
    });
  }

  /** Sends a command; resolves with its answer, rejects on an error answer or at the deadline. */
  call<T = Record<string, unknown>>(op: string, args: Record<string, unknown>, timeoutMs = 30_000): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`worker ${this.name}: ${op} did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, (a) => {
        clearTimeout(timer);
        if (a.error !== undefined) reject(new Error(`worker ${this.name}: ${op}: ${a.error}`));
        else resolve(a as T);
      });
      this.child.stdin?.write(`${JSON.stringify({ id, op, ...args })}\n`);
    });
  }

  async close(): Promise<void> {
    this.child.stdin?.end();
    await stop(this.child, 'SIGTERM', 2000);
  }
}

/**
 * The two hosts of a mesh benchmark: two fresh network namespaces, a server worker in the second
 * and a client worker in the first, both ready; `closers` gets what stops them.
 */
export async function workerPair(closers: (() => Promise<void>)[]): Promise<{ ns1: string; ns2: string; server: Worker; client: Worker }> {
  const ns1 = createNetns();
  const ns2 = createNetns();
  const server = new Worker('server', inNetns(ns2, []));
  closers.push(() => server.close());
  const client = new Worker('client', inNetns(ns1, []));
  closers.push(() => client.close());
  await Promise.all([server.ready, client.ready]);
  return { ns1, ns2, server, client };
}
