/**
 * Real servers for the mesh bench's request/response rows, started in the server's network
 * namespace on 127.0.0.1 from Debian's packages (`apt-get install postgresql redis-server
 * redis-tools`): a throwaway PostgreSQL cluster (initdb as the `postgres` user, trust
 * authentication, fsync off, pgbench's tables at scale 1) and a redis-server without persistence.
 */
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { inNetns } from './netns.js';
import { runOk, runToEnd, start, which } from './procs.js';

/** Why the database rows cannot run on this machine, or undefined when they can. */
export function dbSkipReason(): string | undefined {
  if (!postgresBin('postgres')) return 'PostgreSQL is not installed (apt-get install postgresql)';
  for (const tool of ['pgbench', 'redis-server', 'redis-benchmark', 'redis-cli', 'runuser']) {
    if (!which(tool)) return `\`${tool}\` is not installed (apt-get install postgresql redis-server redis-tools)`;
  }
  if (spawnSync('id', ['postgres']).status !== 0) return 'no `postgres` user (the postgresql package creates it)';
  return undefined;
}

function postgresBin(name: string): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  for (const v of readdirSync(root).sort().reverse()) {
    const p = join(root, v, 'bin', name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** Starts PostgreSQL on 127.0.0.1:`port` in `ns` with pgbench's tables; resolves once pgbench -i is done. */
export async function startPostgres(dir: string, ns: string, port: number): Promise<void> {
  const initdb = postgresBin('initdb');
  const postgres = postgresBin('postgres');
  if (!initdb || !postgres) throw new Error('PostgreSQL is not installed');
  chmodSync(dir, 0o755);
  const data = join(dir, 'pg');
  mkdirSync(data);
  const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout);
  const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout);
  chownSync(data, uid, gid);
  runOk(['runuser', '-u', 'postgres', '--', initdb, '-D', data, '--auth=trust', '-U', 'postgres', '--no-sync']);
  start(inNetns(ns, ['runuser', '-u', 'postgres', '--', postgres, '-D', data, '-k', data, '-p', String(port),
    '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
  { stdio: ['ignore', 'ignore', 'ignore'] });
  await waitUntil(async () => (await runToEnd(inNetns(ns, [postgresBin('pg_isready') ?? 'pg_isready', '-h', '127.0.0.1', '-p', String(port)]), 5000)).code === 0, 'PostgreSQL to accept connections');
  const init = await runToEnd(inNetns(ns, ['pgbench', '-i', '-s', '1', '-q', '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', 'postgres']), 60_000);
  if (init.code !== 0) throw new Error(`pgbench -i failed: ${init.stderr}`);
}

/** Starts redis-server on 127.0.0.1:`port` in `ns`, no persistence; resolves once it answers PING. */
export async function startRedis(ns: string, port: number): Promise<void> {
  start(inNetns(ns, ['redis-server', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no']),
    { stdio: ['ignore', 'ignore', 'ignore'] });
  await waitUntil(async () => (await runToEnd(inNetns(ns, ['redis-cli', '-h', '127.0.0.1', '-p', String(port), 'ping']), 5000)).stdout.includes('PONG'), 'redis-server to answer PING');
}

async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** pgbench select-only: transactions per second over `seconds` with `clients` connections. */
export async function pgbenchTps(ns: string, host: string, port: number, clients: number, seconds: number): Promise<number> {
  const r = await runToEnd(inNetns(ns, ['pgbench', '-S', '-n', '-c', String(clients), '-T', String(seconds), '-h', host, '-p', String(port), '-U', 'postgres', 'postgres']), (seconds + 30) * 1000);
  const tps = /tps = ([\d.]+)/.exec(r.stdout)?.[1];
  if (r.code !== 0 || tps === undefined) throw new Error(`pgbench to ${host}:${port} failed: ${r.stderr}`);
  return Number(tps);
}

/** redis-benchmark GET: requests per second with `clients` connections and `pipeline` requests in flight each. */
export async function redisRps(ns: string, host: string, port: number, clients: number, pipeline: number, requests: number): Promise<number> {
  const r = await runToEnd(inNetns(ns, ['redis-benchmark', '-h', host, '-p', String(port), '-c', String(clients), '-P', String(pipeline), '-n', String(requests), '-t', 'get', '--csv']), 120_000);
  const rps = /^"GET","([\d.]+)"/m.exec(r.stdout)?.[1];
  if (r.code !== 0 || rps === undefined) throw new Error(`redis-benchmark to ${host}:${port} failed: ${r.stderr}${r.stdout}`);
  return Number(rps);
}
