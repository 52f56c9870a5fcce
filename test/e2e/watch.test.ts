/**
 * End to end: `norouter run --watch` applies manifest edits to a running mesh of real
 * hosts (network namespaces) without restarting any agent and without disturbing a transfer in
 * flight, whatever way the editor saves the file; an invalid file changes nothing; the live
 * listeners always equal what `norouter plan` prints for the current file; SIGHUP reloads too.
 *
 * The mesh: `local` (this machine's network), h1 and h2 (namespaces) from the start, h3 (a third
 * namespace) added by the first edit. A ping-pong of 64 KiB chunks runs from local through h1's
 * echo port for the whole series of edits and is checked by sha256 at the end.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canUseNetns, cmdFor, createNetns, destroyAllNetns, execIn } from '../helpers/netns.js';
import { REPO_ROOT, descendantsWithArg, run, spawnCli, which, type FollowedProcess, type ProcInfo } from '../helpers/processes.js';
import { startHttpServer, startTcpServer, type Service } from '../helpers/services.js';
import { httpGetFrom, waitForBody } from '../helpers/http.js';
import { nextVip } from '../helpers/vips.js';
import { waitFor, withTimeout } from '../helpers/wait.js';

const CLI = `${REPO_ROOT}/dist/norouter.cjs`;
const skip = canUseNetns()
  ?? (which('curl') ? undefined : '`curl` is not installed')
  ?? (which('ss') ? undefined : '`ss` (iproute2) is not installed');

/** The reload summary line, one per save. */
const RELOAD_LINE = /^norouter: reload \(/;
const CHUNK = 64 * 1024;

// ---------------------------------------------------------------------------------------------
// Save styles: each writes `text` as the manifest the way one kind of editor or system does.

interface SaveStyle {
  name: string;
  /** Lays out `dir` with the first text; returns the path the router is started on. */
  setup(dir: string, text: string): string;
  save(text: string): void;
}

/** A style that keeps a plain manifest.yaml in the directory and saves it its own way. */
function plainFile(name: string, save: (file: string, text: string) => void): SaveStyle {
  let file = '';
  return {
    name,
    setup(dir, text) {
      file = join(dir, 'manifest.yaml');
      writeFileSync(file, text);
      return file;
    },
    save: (text) => save(file, text),
  };
}

function inPlace(): SaveStyle {
  // open(O_TRUNC) + write: the same inode
  return plainFile('in place (truncate + write)', (file, text) => writeFileSync(file, text));
}

function tempThenRename(): SaveStyle {
  let n = 0;
  return plainFile('write a temporary file, rename it over the manifest', (file, text) => {
    const tmp = `${file}.tmp-${process.pid}-${++n}`;
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  });
}

function vimRenameAway(): SaveStyle {
  return plainFile("vim's rename-away (FILE -> FILE~, write FILE, unlink FILE~)", (file, text) => {
    renameSync(file, `${file}~`);
    writeFileSync(file, text);
    unlinkSync(`${file}~`);
  });
}

function configMapSwap(): SaveStyle {
  let dir = '';
  let current = '';
  let n = 0;
  const stamp = () => `..2026_01_01_00_00_00.${String(++n).padStart(9, '0')}`;
  return {
    name: 'Kubernetes ConfigMap (..data symlink swap)',
    setup(d, text) {
      dir = d;
      current = stamp();
      mkdirSync(join(dir, current));
      writeFileSync(join(dir, current, 'manifest.yaml'), text);
      symlinkSync(current, join(dir, '..data'));
      symlinkSync('..data/manifest.yaml', join(dir, 'manifest.yaml'));
      return join(dir, 'manifest.yaml');
    },
    save(text) {
      // What the kubelet's atomic writer does: a new timestamped directory, a `..data_tmp`
      // symlink to it renamed over `..data`, then the old directory removed.
      const next = stamp();
      mkdirSync(join(dir, next));
      writeFileSync(join(dir, next, 'manifest.yaml'), text);
      symlinkSync(next, join(dir, '..data_tmp'));
      renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
      rmSync(join(dir, current), { recursive: true });
      current = next;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The hosts' namespaces and services, shared by every test (each test has its own VIPs).

interface Backend {
  ns: string;
  http: Service;
}

let ns1: Backend;
let ns2: Backend & { http9090: Service };
let ns3: Backend;
let echo: Service;
const services: Service[] = [];

interface Vips {
  local: string;
  h1: string;
  h2: string;
  h3: string;
}

/** The manifest at each step of the series: 0 initial, 1 +h3, 2 h2 +9090, 3 h2 -8080. */
function manifest(step: number, v: Vips): string {
  const host = (name: string, ns: string, vip: string, ports: string[]) => [
    `  ${name}:`,
    `    cmd: ${JSON.stringify(cmdFor(ns, [process.execPath, CLI]))}`,
    `    vip: "${vip}"`,
    `    ports: ${JSON.stringify(ports)}`,
  ];
  const h2Ports = [
    ...(step < 3 ? [`8080:127.0.0.1:${ns2.http.port}`] : []),
    ...(step >= 2 ? [`9090:127.0.0.1:${ns2.http9090.port}`] : []),
  ];
  return [
    'hosts:',
    '  local:',
    `    vip: "${v.local}"`,
    ...host('h1', ns1.ns, v.h1, [`7000:127.0.0.1:${echo.port}`, `8080:127.0.0.1:${ns1.http.port}`]),
    ...host('h2', ns2.ns, v.h2, h2Ports),
    ...(step >= 1 ? host('h3', ns3.ns, v.h3, [`8080:127.0.0.1:${ns3.http.port}`]) : []),
    '',
  ].join('\n');
}

/** Step 3's text saved with a YAML syntax error (an unclosed flow sequence). */
const broken = (v: Vips) => `${manifest(3, v)}  h4:\n    vip: "127.0.0.1"\n    ports: ["80:127.0.0.1:80"\n`;

// ---------------------------------------------------------------------------------------------
// Checks from every host: the local one (this process) and inside each namespace (curl).

/** Resolves true when a TCP connection to host:port from `ns` (or here) is refused. */
async function refused(ns: string | undefined, host: string, port: number): Promise<boolean> {
  if (ns) {
    const r = await execIn(ns, ['curl', '-sS', '--noproxy', '*', '--max-time', '2', `http://${host}:${port}/`], { timeoutMs: 4000 });
    return r.code === 7; // curl: "Failed to connect" (ECONNREFUSED)
  }
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
  });
}

function waitRefused(ns: string | undefined, host: string, port: number): Promise<boolean> {
  return waitFor(() => refused(ns, host, port), { timeoutMs: 5000, intervalMs: 50, what: `${host}:${port} to refuse connections from ${ns ?? 'the local host'}` });
}

/** The VIP:port pairs listening in `ns` (or in this network) among `vips`, sorted. */
async function listening(ns: string | undefined, vips: ReadonlySet<string>): Promise<string[]> {
  const argv = ['ss', '-Hltn'];
  const r = ns ? await execIn(ns, argv) : await run(argv);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split('\n')
    .map((line) => line.trim().split(/\s+/)[3] ?? '')
    .filter((addr) => vips.has(addr.slice(0, addr.lastIndexOf(':'))))
    .sort();
}

interface PlanJson {
  hosts: { name: string; vip: string; agent: { forwards: { listenPort: number }[]; others: { vip: string; port: number }[] } }[];
}

/** What `norouter plan --json FILE` says each host listens on: every other's VIP:port and its own VIP per forward. */
async function plannedListeners(file: string): Promise<{ vips: Set<string>; byHost: Map<string, string[]> }> {
  const r = await run([process.execPath, CLI, 'plan', '--json', file]);
  assert.equal(r.code, 0, r.stderr);
  const plan = JSON.parse(r.stdout) as PlanJson;
  const byHost = new Map(plan.hosts.map((h) => [h.name, [
    ...h.agent.others.map((o) => `${o.vip}:${o.port}`),
    ...h.agent.forwards.map((f) => `${h.vip}:${f.listenPort}`),
  ].sort()]));
  return { vips: new Set(plan.hosts.map((h) => h.vip)), byHost };
}

// ---------------------------------------------------------------------------------------------
// The long transfer: a ping-pong of 64 KiB chunks through the mesh until told to finish.

class PingPong {
  rounds = 0;
  private readonly sent = createHash('sha256');
  private readonly received = createHash('sha256');
  private sentBytes = 0;
  private receivedBytes = 0;
  private finishing = false;
  private readonly waiters = new Set<() => void>();
  private readonly socket: Socket;
  readonly done: Promise<{ sent: string; received: string; bytes: number; receivedBytes: number }>;

  constructor(host: string, port: number) {
    this.socket = connect({ host, port, allowHalfOpen: true });
    this.done = new Promise((resolve, reject) => {
      this.socket.once('connect', () => this.next());
      this.socket.on('data', (chunk: Buffer) => {
        this.received.update(chunk);
        this.receivedBytes += chunk.length;
        if (this.receivedBytes < this.sentBytes) return;
        this.rounds++;
        for (const w of [...this.waiters]) w();
        if (this.finishing) this.socket.end();
        else this.next();
      });
      this.socket.once('end', () => resolve({
        sent: this.sent.digest('hex'), received: this.received.digest('hex'), bytes: this.sentBytes, receivedBytes: this.receivedBytes,
      }));
      this.socket.once('error', reject);
    });
    this.done.catch(() => {}); // awaited by the test; a rejection before then is not unhandled
  }

  /** Resolves once at least one more round trip completes after this call. */
  progressed(timeoutMs = 5000): Promise<void> {
    const target = this.rounds + 1;
    return withTimeout(new Promise<void>((resolve) => {
      const check = () => {
        if (this.rounds < target) return;
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
    }), timeoutMs, `the transfer to make progress (stuck at round ${this.rounds})`);
  }

  /** Stops after the chunk in flight comes back; resolves with both checksums. */
  finish(timeoutMs = 10_000) {
    this.finishing = true;
    return withTimeout(this.done, timeoutMs, 'the transfer to finish');
  }

  destroy(): void {
    this.socket.destroy();
  }

  private next(): void {
    const chunk = randomBytes(CHUNK);
    this.sent.update(chunk);
    this.sentBytes += chunk.length;
    this.socket.write(chunk);
  }
}

// ---------------------------------------------------------------------------------------------

/** Starts the router on `file` and waits until every agent is up (and the watcher, with --watch). */
async function startRouter(file: string, watch: boolean): Promise<FollowedProcess> {
  const router = spawnCli(['run', ...(watch ? ['--watch'] : []), file]);
  await router.waitForLine(/^norouter: ready in \d+ ms: \d+ hosts up$/, 15_000);
  if (watch) await router.waitForLine(/^norouter: watching .* for changes$/, 5000);
  return router;
}

const reloadLines = (router: FollowedProcess) => router.lines.filter((l) => l.stream === 'stderr' && RELOAD_LINE.test(l.text)).map((l) => l.text);

/** The one agent process of each VIP: pid and start time, so a restart shows even on a reused pid. */
function agentOf(router: FollowedProcess, vip: string): ProcInfo {
  const found = descendantsWithArg(router.pid, '--me', vip);
  assert.equal(found.length, 1, `exactly one agent for ${vip}: ${found.map((p) => p.argv.join(' ')).join('; ')}`);
  return found[0] as ProcInfo;
}

describe('run --watch applies edits live', { skip }, () => {
  before(async () => {
    const [a, b, c] = await Promise.all([createNetns(), createNetns(), createNetns()]);
    if (!a || !b || !c) throw new Error('Assertion failed: three namespaces');
    const [http1, http2, http2b, http3, echoSvc] = await Promise.all([
      startHttpServer('h1', { ns: a }),
      startHttpServer('h2', { ns: b }),
      startHttpServer('h2-9090', { ns: b }),
      startHttpServer('h3', { ns: c }),
      startTcpServer('echo', { ns: a }),
    ]);
    services.push(http1, http2, http2b, http3, echoSvc);
    ns1 = { ns: a, http: http1 };
    ns2 = { ns: b, http: http2, http9090: http2b };
    ns3 = { ns: c, http: http3 };
    echo = echoSvc;
  });
  after(async () => {
    await Promise.all(services.map((s) => s.stop().catch(() => {})));
    destroyAllNetns();
  });

  for (const makeStyle of [inPlace, tempThenRename, vimRenameAway, configMapSwap]) {
    const style = makeStyle();
    test(`saved ${style.name}: each edit lands once, live, with no agent restarted and the transfer intact`, { timeout: 40_000 }, async () => {
      const v: Vips = { local: nextVip(), h1: nextVip(), h2: nextVip(), h3: nextVip() };
      const dir = mkdtempSync(join(tmpdir(), 'norouter-watch-'));
      const file = style.setup(dir, manifest(0, v));
      const router = await startRouter(file, true);
      let transfer: PingPong | undefined;
      try {
        const pids = { local: agentOf(router, v.local), h1: agentOf(router, v.h1), h2: agentOf(router, v.h2) };
        await waitForBody(undefined, `http://${v.h2}:8080/`, 'h2');
        transfer = new PingPong(v.h1, 7000);
        await transfer.progressed();

        let saves = 0;
        const saveAndWait = async (text: string, expected: RegExp) => {
          // The previous save gave exactly one reload line: its possible duplicate would have
          // arrived before this save's line (events are serialised through one watcher).
          assert.equal(reloadLines(router).length, saves, `reload lines so far:\n${reloadLines(router).join('\n')}`);
          style.save(text);
          saves++;
          await waitFor(() => reloadLines(router).length >= saves, { timeoutMs: 5000, what: `the reload line of save ${saves}` });
          assert.match(reloadLines(router)[saves - 1] ?? '', expected);
        };
        const everyHost = () => [undefined, ns1.ns, ns2.ns, ns3.ns];

        // (1) A host joins: reachable from every host, including from inside itself.
        await saveAndWait(manifest(1, v), /^norouter: reload \(file changed\): \+h3$/);
        await Promise.all(everyHost().map((ns) => waitForBody(ns, `http://${v.h3}:8080/`, 'h3')));
        await waitForBody(ns3.ns, `http://${v.h1}:8080/`, 'h1');
        const pidH3 = agentOf(router, v.h3);
        await transfer.progressed();

        // (2) A port is published on the third host.
        await saveAndWait(manifest(2, v), /^norouter: reload \(file changed\): h2: \+9090$/);
        await Promise.all(everyHost().map((ns) => waitForBody(ns, `http://${v.h2}:9090/`, 'h2-9090')));
        await transfer.progressed();

        // (3) A port is withdrawn: refused everywhere, the publishing host included.
        await saveAndWait(manifest(3, v), /^norouter: reload \(file changed\): h2: -8080$/);
        await Promise.all(everyHost().map((ns) => waitRefused(ns, v.h2, 8080)));
        await transfer.progressed();

        // (4) A syntax error: reported, and nothing changes.
        await saveAndWait(broken(v), /^norouter: reload \(file changed\): .* has errors; the mesh keeps running on the last good plan$/);
        assert.match(router.output(), /manifest\.yaml:\d+:\d+/, 'the diagnostic names the file and position');
        for (const ns of everyHost()) {
          assert.equal((await httpGetFrom(ns, `http://${v.h1}:8080/`)).body, 'h1');
          assert.equal((await httpGetFrom(ns, `http://${v.h2}:9090/`)).body, 'h2-9090');
          assert.equal((await httpGetFrom(ns, `http://${v.h3}:8080/`)).body, 'h3');
          assert.ok(await refused(ns, v.h2, 8080), `${v.h2}:8080 still refused from ${ns ?? 'local'}`);
        }
        await transfer.progressed();

        // (5) The good text again: applied, and it changes nothing.
        await saveAndWait(manifest(3, v), /^norouter: reload \(file changed\): no change$/);

        const result = await transfer.finish();
        assert.ok(transfer.rounds >= 5, `only ${transfer.rounds} round trips`);
        assert.equal(result.receivedBytes, result.bytes);
        assert.equal(result.received, result.sent, 'every byte came back unchanged');

        // No agent was restarted by any of these edits.
        assert.deepEqual(
          { local: agentOf(router, v.local), h1: agentOf(router, v.h1), h2: agentOf(router, v.h2), h3: agentOf(router, v.h3) },
          { ...pids, h3: pidH3 },
        );

        // The live configuration equals the plan of the current file, on every host.
        const planned = await plannedListeners(file);
        const where: [string, string | undefined][] = [['local', undefined], ['h1', ns1.ns], ['h2', ns2.ns], ['h3', ns3.ns]];
        for (const [name, ns] of where) {
          const want = planned.byHost.get(name) ?? [];
          assert.ok(want.length > 0, `the plan lists listeners for ${name}`);
          await waitFor(async () => JSON.stringify(await listening(ns, planned.vips)) === JSON.stringify(want), {
            timeoutMs: 3000, what: `${name}'s listeners to equal the plan`,
          }).catch(async (error: unknown) => {
            assert.deepEqual(await listening(ns, planned.vips), want, `${name}: ${String(error)}`);
          });
        }
        assert.equal(reloadLines(router).length, saves, `one reload line per save:\n${reloadLines(router).join('\n')}`);
      } finally {
        transfer?.destroy();
        await router.stop('SIGTERM', 8000);
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  test('SIGHUP reloads without --watch', { timeout: 30_000 }, async () => {
    const v: Vips = { local: nextVip(), h1: nextVip(), h2: nextVip(), h3: nextVip() };
    const dir = mkdtempSync(join(tmpdir(), 'norouter-hup-'));
    const file = join(dir, 'manifest.yaml');
    writeFileSync(file, manifest(1, v));
    const router = await startRouter(file, false);
    try {
      const before = agentOf(router, v.h2);
      writeFileSync(file, manifest(2, v));
      router.child.kill('SIGHUP');
      await router.waitForLine(/^norouter: reload \(SIGHUP\): h2: \+9090$/, 5000);
      await Promise.all([undefined, ns1.ns, ns3.ns].map((ns) => waitForBody(ns, `http://${v.h2}:9090/`, 'h2-9090')));
      assert.deepEqual(agentOf(router, v.h2), before, 'h2 took the new port live, without a restart');
      assert.ok(!/watching/.test(router.output()), 'no watcher without --watch');
      assert.equal(reloadLines(router).length, 1);
    } finally {
      await router.stop('SIGTERM', 8000);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// Regression: `run --watch` on a manifest replaced by a FIFO opened it for the reload, and an
// open of a FIFO with no writer blocks (a threadpool thread, for good). Later edits and SIGHUP
// were never applied, and SIGTERM printed "stopped" while the process never exited (only SIGKILL
// ended it). A reload now checks the file's type before it opens it; a stop always exits.
describe('a manifest replaced by a FIFO under run --watch', { skip: which('mkfifo') ? undefined : '`mkfifo` is not installed', timeout: 60_000 }, () => {
  test('is refused with a reason; SIGHUP and a later edit are applied; SIGTERM exits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'norouter-fifo-'));
    const file = join(dir, 'manifest.yaml');
    const one = { local: { vip: nextVip() } };
    const two = { ...one, two: { vip: nextVip(), cmd: [process.execPath, CLI] } };
    writeFileSync(file, `${JSON.stringify({ hosts: one })}\n`);
    const router = spawnCli(['run', '--watch', file]);
    try {
      await router.waitForLine(/^norouter: ready in /, 20_000);
      await router.waitForLine(/^norouter: watching /, 20_000);
      await run(['mkfifo', join(dir, 'fifo')]);
      renameSync(join(dir, 'fifo'), file);
      const refused = /^norouter: reload \((file changed|SIGHUP)\): cannot read manifest ".*manifest\.yaml": it is a FIFO \(named pipe\), not a regular file; keeping the running plan$/;
      await router.waitForLine(refused, 20_000);
      router.child.kill('SIGHUP');
      await router.waitForLine(/^norouter: reload \(SIGHUP\): cannot read manifest .*: it is a FIFO/, 20_000);
      writeFileSync(join(dir, 'next'), `${JSON.stringify({ hosts: two })}\n`);
      renameSync(join(dir, 'next'), file);
      await router.waitForLine(/^norouter: reload \(file changed\): \+two$/, 20_000);
      await router.waitForLine(/^norouter: two: up/, 20_000);
      router.child.kill('SIGTERM');
      // A hang is for ever; the deadline (well past the router's own stop deadline) only turns
      // one into a failure.
      const end = await withTimeout(router.exited, 30_000, 'the router to exit after SIGTERM');
      assert.deepEqual(end, { code: 0, signal: null }, router.output());
      assert.ok(!/still stopping|still pending/.test(router.output()), `the stop needed its deadline:\n${router.output()}`);
    } finally {
      if (router.running) await router.stop('SIGKILL', 5000).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
