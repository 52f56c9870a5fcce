/**
 * Real podman containers as mesh hosts. DESIGN.md ("Testing with real hosts on one machine",
 * "Hosts without Node") says how podman runs here; test/helpers/podman-images.ts says what is in
 * each image. Every container has its own loopback (podman's default network) and a bind-mounted
 * /etc/resolv.conf, as with Docker.
 *
 *   const skip = canRunPodman();                         // a reason to print, or undefined
 *   describe('…', { skip }, () => {
 *     after(removeAllContainers);                        // every container this process started
 *     const c = await startContainer({ image: 'alpine-like', page: 'hello' });
 *     await c.waitListening(80);                         // its httpd serves /www on 127.0.0.1:80
 *     const host = { name: 'c', vip, cmd: c.shCmd(), bootstrap: true, ports: ['8080:127.0.0.1:80'] };
 *     await c.fetch(`http://${otherVip}:8080/`);          // busybox wget inside the container
 *     const side = await sidecarCmd(app);                // an agent in a no-shell app's netns
 *     await fetchInNetnsOf(app, url);                    // wget from a throwaway container there
 *   });
 *
 * Names are `nrt-<pid>-<n>` and every container (sidecars and throwaway ones included) carries
 * the label `norouter-test-pid=<pid>`: concurrent test processes never touch each other's, and
 * removeAllContainers removes exactly this process's, also from an 'exit' handler when a test
 * fails or is cancelled. sweepStaleContainers removes those of processes that no longer exist.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canRunPodman, PODMAN, ulimitArgs } from './podman-cli.js';
import { ensureImage, hostNodePath, type ImageName } from './podman-images.js';
import { CLI_PATH, run, runOk, type RunOptions, type RunResult } from './processes.js';
import { waitFor } from './wait.js';

export { canRunPodman, PODMAN, ulimitArgs } from './podman-cli.js';
export { ensureImage, IMAGE_NAMES, rootfsOf, type Image, type ImageName } from './podman-images.js';

/** The label that marks a container as this test process's. */
export const OWNER_LABEL = 'norouter-test-pid';
const OWNER = `${OWNER_LABEL}=${process.pid}`;
/** Where `node: true` mounts the host's node, and sidecarCmd mounts the built CLI. */
export const NODE_IN_CONTAINER = '/usr/local/bin/node';
export const CLI_IN_CONTAINER = '/norouter.cjs';

const dirs = new Set<string>();
let counter = 0;

export interface ContainerOptions {
  image: ImageName;
  /** Text of /www/index.html (a read-only bind mount), served by the default command. */
  page?: string;
  /**
   * The main process. Default: busybox httpd serving /www on 127.0.0.1:80 in the foreground
   * (`httpd`, or `/httpd` in no-shell).
   */
  cmd?: readonly string[];
  /** Bind-mount the host's node read-only at /usr/local/bin/node (for glibc-no-node). */
  node?: boolean;
  /** More `podman run` flags: `-v`, `--read-only`, `--tmpfs`, `--network`… */
  runArgs?: readonly string[];
}

export interface Container {
  readonly name: string;
  readonly id: string;
  readonly image: string;
  /** `podman exec -i NAME argv…`: a manifest `cmd` or a command to run. */
  execArgv(...argv: string[]): string[];
  /** `podman exec -i NAME sh`: the `cmd` of a host joined through its own shell. */
  shCmd(): string[];
  /** Runs argv inside the container to completion (whatever the exit code). */
  exec(argv: readonly string[], options?: RunOptions): Promise<RunResult>;
  /** GET `url` with the container's own busybox wget; resolves with the body, rejects with wget's error. */
  fetch(url: string, timeoutMs?: number): Promise<string>;
  /** The pid of its main process on this machine (0 when it is not running). */
  pid(): Promise<number>;
  /** Resolves once something listens on 127.0.0.1:`port` (or *:port) in its network namespace. */
  waitListening(port: number, timeoutMs?: number): Promise<void>;
  /** Removes it (and any container sharing its network, such as a sidecar). */
  remove(): Promise<void>;
}

/** Starts a container of this process (`podman run -d`) and resolves once it is running. */
export async function startContainer(options: ContainerOptions): Promise<Container> {
  const reason = canRunPodman();
  if (reason) throw new Error(reason);
  const image = await ensureImage(options.image);
  const name = `nrt-${process.pid}-${++counter}`;
  const www = mkdtempSync(join(tmpdir(), 'nrt-www-'));
  dirs.add(www);
  writeFileSync(join(www, 'index.html'), options.page ?? `hello from ${name}`);
  const serve = options.image === 'no-shell' ? '/httpd' : 'httpd';
  const cmd = options.cmd ?? [serve, '-f', '-p', '127.0.0.1:80', '-h', '/www'];
  const argv = [
    ...PODMAN, 'run', '-d', '--name', name, '--label', OWNER, ...ulimitArgs(),
    '-v', `${www}:/www:ro`,
    ...(options.node ? ['-v', `${hostNodePath()}:${NODE_IN_CONTAINER}:ro`] : []),
    ...(options.runArgs ?? []),
    image.tag, ...cmd,
  ];
  const id = (await runOk(argv, { timeoutMs: 60_000 })).stdout.trim();
  return containerHandle(name, id, image.tag);
}

function containerHandle(name: string, id: string, image: string): Container {
  const handle: Container = {
    name,
    id,
    image,
    execArgv: (...argv) => ['podman', 'exec', '-i', name, ...argv],
    shCmd: () => ['podman', 'exec', '-i', name, 'sh'],
    exec: (argv, options) => run(['podman', 'exec', '-i', name, ...argv], { timeoutMs: 30_000, ...options }),
    async fetch(url, timeoutMs = 5000) {
      return wget(['podman', 'exec', name], url, timeoutMs);
    },
    async pid() {
      const r = await runOk(['podman', 'inspect', '--format', '{{.State.Pid}}', name], { timeoutMs: 30_000 });
      return Number(r.stdout.trim());
    },
    async waitListening(port, timeoutMs = 10_000) {
      await waitFor(async () => listensOn(await handle.pid(), port), {
        timeoutMs,
        intervalMs: 50,
        what: `a listener on port ${port} in container ${name}`,
      });
    },
    async remove() {
      await runOk([...PODMAN, 'rm', '--force', '--depend', '--ignore', '--time', '0', name], { timeoutMs: 60_000 });
    },
  };
  return handle;
}

/**
 * Whether a process's network namespace has a TCP socket listening on `port` (read from the
 * machine's side, so it works in an image without any tool). /proc/PID/net/tcp lists the
 * sockets of that process's namespace; state 0A is LISTEN.
 */
function listensOn(pid: number, port: number): boolean {
  if (!pid) return false;
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  for (const file of ['tcp', 'tcp6']) {
    let text = '';
    try {
      text = readFileSync(`/proc/${pid}/net/${file}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state === '0A' && local?.endsWith(`:${hex}`)) return true;
    }
  }
  return false;
}

/**
 * busybox wget through `prefix` (a `podman exec NAME` or a throwaway `podman run`), bounded by
 * `timeout` inside the container: killing the podman client would leave wget running there, and
 * Debian's busybox 1.35 wget crashes (SIGSEGV) whenever its own `-T` option is given.
 */
async function wget(prefix: readonly string[], url: string, timeoutMs: number): Promise<string> {
  const seconds = String(Math.max(1, Math.ceil(timeoutMs / 1000)));
  const r = await run([...prefix, 'timeout', seconds, 'wget', '-q', '-O', '-', url], { timeoutMs: timeoutMs + 30_000 });
  if (r.code !== 0) throw new Error(`wget ${url}: ${r.stderr.trim() || `exit ${r.code ?? r.signal}`}`);
  return r.stdout;
}

/**
 * GET `url` from inside the network namespace of `app` (which may have no shell and no wget): a
 * throwaway alpine-like container joins it with `--network container:NAME` and runs wget.
 */
export async function fetchInNetnsOf(app: Container, url: string, timeoutMs = 5000): Promise<string> {
  const image = await ensureImage('alpine-like');
  const prefix = [
    ...PODMAN, 'run', '--rm', '--label', OWNER, ...ulimitArgs(), '--network', `container:${app.name}`, image.tag,
  ];
  return wget(prefix, url, timeoutMs);
}

/**
 * The manifest `cmd` of a sidecar agent for `app`: `podman run -i --rm --network container:APP`
 * of glibc-no-node with the host's node and the built CLI bind-mounted read-only, ending in
 * `node /norouter.cjs` (the router appends `internal agent …`). Its published ports and the
 * other hosts' VIPs then live in the app's network namespace.
 */
export async function sidecarCmd(app: Container): Promise<string[]> {
  const image = await ensureImage('glibc-no-node');
  return [
    ...PODMAN, 'run', '-i', '--rm', '--label', OWNER, ...ulimitArgs(),
    '--network', `container:${app.name}`,
    '-v', `${hostNodePath()}:${NODE_IN_CONTAINER}:ro`,
    '-v', `${CLI_PATH}:${CLI_IN_CONTAINER}:ro`,
    image.tag, 'node', CLI_IN_CONTAINER,
  ];
}

/** The ids of every container (running or not) labelled as this process's. */
export async function ownContainers(): Promise<string[]> {
  const r = await runOk(['podman', 'ps', '--all', '--quiet', '--filter', `label=${OWNER}`], { timeoutMs: 60_000 });
  return r.stdout.split('\n').filter(Boolean);
}

/** Removes every container this process started (sidecars too) and their page dirs. */
export async function removeAllContainers(): Promise<void> {
  const ids = await ownContainers();
  if (ids.length) await runOk([...PODMAN, 'rm', '--force', '--depend', '--ignore', '--time', '0', ...ids], { timeoutMs: 120_000 });
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}

/** Removes the containers of test processes that no longer exist (a run killed with SIGKILL). */
export function sweepStaleContainers(): string[] {
  const list = spawnSync('podman', ['ps', '--all', '--filter', `label=${OWNER_LABEL}`, '--format', `{{.ID}} {{index .Labels "${OWNER_LABEL}"}}`], { encoding: 'utf8' });
  const stale: string[] = [];
  for (const line of (list.stdout ?? '').split('\n')) {
    const [id, pid] = line.trim().split(/\s+/);
    if (id && pid && /^\d+$/.test(pid) && !processExists(Number(pid))) stale.push(id);
  }
  if (stale.length) spawnSync(PODMAN[0]!, [...PODMAN.slice(1), 'rm', '--force', '--depend', '--ignore', '--time', '0', ...stale], { stdio: 'ignore' });
  return stale;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// A test file that crashes or is cancelled may never run its `after` hooks: the exit handler is
// the last chance to remove what this process started (synchronously: nothing async runs here).
process.once('exit', () => {
  if (counter === 0 && dirs.size === 0) return;
  const ids = spawnSync('podman', ['ps', '--all', '--quiet', '--filter', `label=${OWNER}`], { encoding: 'utf8' }).stdout ?? '';
  const list = ids.split('\n').filter(Boolean);
  if (list.length) spawnSync(PODMAN[0]!, [...PODMAN.slice(1), 'rm', '--force', '--depend', '--ignore', '--time', '0', ...list], { stdio: 'ignore' });
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
