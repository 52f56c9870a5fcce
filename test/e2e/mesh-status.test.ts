/**
 * `norouter status`, `top` and the metrics against a real mesh of network namespaces
 * (docs/status.md): a known transfer is counted to the byte and its connection leaves the books;
 * a killed agent shows down, then up with one restart more; two meshes are listed apart, each
 * with the exit status scripts read; the metrics scrape with curl and parse; `top` in a real
 * terminal shows every host, moves with the traffic, and `q` gives the terminal back.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manifestText, nsHostCmd, type MeshHost } from '../helpers/mesh.js';
import { canUseNetns, createNetns, destroyAllNetns } from '../helpers/netns.js';
import { CLI_ARGV, descendantsWithArg, run, spawnCli, which, type FollowedProcess } from '../helpers/processes.js';
import { randomPayload, startTcpServer, type Service } from '../helpers/services.js';
import { tcpExchange } from '../helpers/tcp.js';
import { nextVip } from '../helpers/vips.js';
import { waitFor } from '../helpers/wait.js';
import { parseExposition } from '../helpers/prometheus.js';
import { Terminal, TMUX_SKIP } from '../cli/tmux.js';
import type { Snapshot } from '../../src/status/snapshot.js';

const NETNS_SKIP = canUseNetns() ?? (which('curl') ? undefined : 'curl is not installed (the metrics are scraped with it)');
const dir = mkdtempSync(join(tmpdir(), 'nrt-status-'));
// A runtime directory of the test's own: `status` without FILE sees only these meshes.
const env = { ...process.env, XDG_RUNTIME_DIR: join(dir, 'xdg') };
mkdirSync(env.XDG_RUNTIME_DIR, { mode: 0o700 });
const services: Service[] = [];
const routers: FollowedProcess[] = [];

after(async () => {
  await Promise.all(routers.map((r) => r.stop('SIGTERM', 10_000).catch(() => {})));
  await Promise.all(services.map((s) => s.stop().catch(() => {})));
  destroyAllNetns();
  rmSync(dir, { recursive: true, force: true });
});

async function startRouter(name: string, hosts: MeshHost[], args: string[] = [], waitReady = true): Promise<{ router: FollowedProcess; manifest: string }> {
  const manifest = join(dir, `${name}.yaml`);
  writeFileSync(manifest, manifestText(hosts));
  const router = spawnCli(['run', ...args, manifest], { env });
  routers.push(router);
  if (waitReady) await router.waitForLine(/^norouter: ready in /, 20_000);
  return { router, manifest };
}

async function status(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return run([...CLI_ARGV, 'status', ...args], { env });
}

async function snapshot(manifest: string): Promise<Snapshot> {
  const r = await status('--json', manifest);
  const parsed = JSON.parse(r.stdout) as { version: number; meshes: Snapshot[] };
  assert.equal(parsed.version, 1);
  assert.equal(parsed.meshes.length, 1, r.stdout);
  return parsed.meshes[0]!;
}

const host = (s: Snapshot, name: string) => {
  const h = s.hosts.find((x) => x.name === name);
  assert.ok(h, `host ${name} in ${JSON.stringify(s.hosts.map((x) => x.name))}`);
  return h;
};

describe('norouter status on a mesh of network namespaces', { skip: NETNS_SKIP, timeout: 180_000 }, () => {
  const vips = { local: nextVip(), h1: nextVip(), h2: nextVip() };
  let mesh: { router: FollowedProcess; manifest: string };
  let metricsUrl: string;

  before(async () => {
    const [ns1, ns2] = [await createNetns(), await createNetns()];
    services.push(await startTcpServer('echo', { ns: ns1, port: 7000 }), await startTcpServer('echo', { ns: ns2, port: 7000 }));
    services.push(await startTcpServer('reset', { ns: ns1, port: 7001 }));
    mesh = await startRouter('mesh', [
      { name: 'local', vip: vips.local },
      { name: 'h1', vip: vips.h1, cmd: nsHostCmd(ns1), ports: ['7000:127.0.0.1:7000', '7001:127.0.0.1:7001'] },
      { name: 'h2', vip: vips.h2, cmd: nsHostCmd(ns2), ports: ['7000:127.0.0.1:7000'] },
    ], ['--metrics', '127.0.0.1:0']);
    const line = await mesh.router.waitForLine(/^norouter: metrics at http:\/\/127\.0\.0\.1:\d+\/metrics$/, 5000);
    metricsUrl = line.replace(/^norouter: metrics at /, '');
  });

  test('a known transfer is counted to the byte, and its connection leaves the books', async () => {
    const before = await snapshot(mesh.manifest);
    const data = randomPayload(3 * 1024 * 1024 + 17);
    const outcome = await tcpExchange(vips.h2, 7000, { send: data, timeoutMs: 30_000 });
    assert.equal(outcome.end, 'eof');
    assert.equal(outcome.data.length, data.length);
    // The connection ends in the router once both CLOSE_WRITEs passed: wait for that, bounded.
    const after = await waitFor(async () => {
      const s = await snapshot(mesh.manifest);
      return s.totals.connections === 0 ? s : undefined;
    }, { timeoutMs: 10_000, what: 'the connection to leave the books' });
    const delta = (name: string, dirn: 'in' | 'out') => host(after, name).bytes[dirn] - host(before, name).bytes[dirn];
    assert.equal(delta('local', 'out'), data.length, 'the client sent');
    assert.equal(delta('h2', 'in'), data.length, 'h2 was delivered');
    assert.equal(delta('h2', 'out'), data.length, 'h2 echoed');
    assert.equal(delta('local', 'in'), data.length, 'the client received');
    assert.equal(delta('h1', 'in') + delta('h1', 'out'), 0, 'h1 saw nothing');
    assert.deepEqual(after.hosts.map((h) => h.connections), [{ in: 0, out: 0 }, { in: 0, out: 0 }, { in: 0, out: 0 }]);
    assert.equal(host(after, 'local').opened.out - host(before, 'local').opened.out, 1);
    assert.deepEqual(after.hosts.map((h) => h.state), ['up', 'up', 'up']);

    // The metrics say the same, scraped with curl.
    const curl = await run(['curl', '-sS', '--fail', metricsUrl]);
    assert.equal(curl.code, 0, curl.stderr);
    const { samples } = parseExposition(curl.stdout);
    const bytes = (h: string, d: string) => samples.find((x) => x.name === 'norouter_host_bytes_total' && x.labels.host === h && x.labels.direction === d)?.value;
    assert.equal(bytes('h2', 'in'), host(after, 'h2').bytes.in);
    assert.equal(bytes('local', 'out'), host(after, 'local').bytes.out);
    assert.equal(samples.find((x) => x.name === 'norouter_connections')?.value, 0);
    assert.equal(samples.filter((x) => x.name === 'norouter_host_up' && x.value === 1).length, 3);
  });

  // The log filled with `connection … reset by peer: reset (ECONNRESET)` lines at the end of every
  // iperf3 test: ordinary ends of connections, which nobody must act on. They are counted.
  test('connections reset by their peer are counted, not logged', async () => {
    const before = await snapshot(mesh.manifest);
    for (let i = 0; i < 3; i++) {
      const outcome = await tcpExchange(vips.h1, 7001, { send: 'x', halfClose: false, timeoutMs: 10_000 });
      assert.ok(outcome.end === 'reset' || outcome.end === 'eof', outcome.end);
    }
    const after = await waitFor(async () => {
      const s = await snapshot(mesh.manifest);
      return (s.aborts.reset ?? 0) - (before.aborts.reset ?? 0) >= 3 && s.totals.connections === 0 ? s : undefined;
    }, { timeoutMs: 10_000, what: 'three resets counted' });
    assert.ok((after.aborts.reset ?? 0) >= 3);
    assert.deepEqual(mesh.router.lines.filter((l) => /reset by peer/.test(l.text)), []);
    const r = await status(mesh.manifest);
    assert.match(r.stdout, /connections aborted: .*\d+ × reset/);
  });

  test('the table: every host, up, and exit 0', async () => {
    const r = await status(mesh.manifest);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    for (const [name, vip] of Object.entries(vips)) assert.match(r.stdout, new RegExp(`^\\s+${name}\\s+${vip.replaceAll('.', '\\.')}\\s+up\\s`, 'm'));
    assert.match(r.stdout, /^\s+total\s/m);
    assert.match(r.stdout, /last reload: none since the start/);
  });

  test('a killed agent shows down, then up, with its restarts one higher', async () => {
    const before = host(await snapshot(mesh.manifest), 'h1');
    const agents = descendantsWithArg(mesh.router.pid, '--me', vips.h1);
    assert.equal(agents.length, 1, 'one agent of h1');
    process.kill(agents[0]!.pid, 'SIGKILL');
    const s = await waitFor(async () => {
      const x = await snapshot(mesh.manifest);
      return host(x, 'h1').state === 'up' && host(x, 'h1').restarts === before.restarts + 1 ? x : undefined;
    }, { timeoutMs: 20_000, what: 'h1 up again with one restart more' });
    const kinds = s.events.filter((e) => e.host === 'h1').map((e) => e.kind);
    const down = kinds.lastIndexOf('down');
    assert.ok(down >= 0, `a down event: ${kinds.join(', ')}`);
    assert.deepEqual(kinds.slice(down), ['down', 'restart', 'up']);
    assert.match(s.events.find((e) => e.host === 'h1' && e.kind === 'down')?.text ?? '', /SIGKILL/);
    // `norouter run` printed its summary again.
    await mesh.router.waitForLine(/^norouter: now \(a host changed state\): 3 of 3 hosts up$/, 5000);
  });

  test('two meshes are listed apart; exit 3 while a host is not up', async () => {
    const other = await startRouter('other', [
      { name: 'solo', vip: nextVip() },
      { name: 'broken', vip: nextVip(), cmd: ['sh', '-c', 'echo no agent here >&2; exit 3'] },
    ]);
    const r = await status();
    assert.equal(r.code, 3, r.stdout);
    assert.match(r.stdout, new RegExp(`^${mesh.manifest.replaceAll('.', '\\.')}: 3 of 3 hosts up`, 'm'));
    assert.match(r.stdout, new RegExp(`^${other.manifest.replaceAll('.', '\\.')}: 1 of 2 hosts up`, 'm'));
    const json = JSON.parse((await status('--json')).stdout) as { meshes: Snapshot[] };
    assert.deepEqual(json.meshes.map((m) => m.mesh.manifest).sort(), [mesh.manifest, other.manifest].sort());
    const broken = host(json.meshes.find((m) => m.mesh.manifest === other.manifest)!, 'broken');
    assert.ok(broken.state === 'down' || broken.state === 'given-up' || broken.state === 'starting', broken.state);
    assert.equal((await status(mesh.manifest)).code, 0, 'the healthy mesh alone');
    assert.equal((await status(other.manifest)).code, 3);
    await other.router.stop('SIGTERM', 10_000);
    const gone = await status(other.manifest);
    assert.equal(gone.code, 4);
    assert.match(gone.stdout, /no norouter is running .*other\.yaml/);
  });

  test('a reload shows as the last reload, with its result, and run prints its table again', async () => {
    const before = await snapshot(mesh.manifest);
    mesh.router.child.kill('SIGHUP');
    const s = await waitFor(async () => {
      const x = await snapshot(mesh.manifest);
      return x.reloads.count === before.reloads.count + 1 ? x : undefined;
    }, { timeoutMs: 10_000, what: 'the reload in status' });
    assert.equal(s.reloads.last?.trigger, 'SIGHUP');
    assert.equal(s.reloads.last?.result, 'applied');
    const r = await status(mesh.manifest);
    assert.match(r.stdout, /last reload: \d\d:\d\d:\d\d \(\d+s ago, SIGHUP\): applied/);
    await mesh.router.waitForLine(/^norouter: now \(reload, SIGHUP\): 3 of 3 hosts up$/, 5000);
  });

  test('status --watch in a real terminal redraws in place until Ctrl-C', { skip: TMUX_SKIP }, async () => {
    const term = new Terminal([...CLI_ARGV, 'status', '--watch', mesh.manifest], { XDG_RUNTIME_DIR: env.XDG_RUNTIME_DIR });
    try {
      await term.waitForText(/^\s+h2\s/m, 10_000);
      // A transfer moves h2's byte count on the same screen: redrawn, not scrolled.
      const first = /^\s+h2\s.*$/m.exec(term.screen())?.[0];
      await tcpExchange(vips.h2, 7000, { send: randomPayload(256 * 1024), timeoutMs: 10_000 });
      await waitFor(() => {
        const rows = term.screen().split('\n').filter((l) => /^\s+h2\s/.test(l));
        return rows.length === 1 && rows[0] !== first ? true : undefined;
      }, { timeoutMs: 10_000, what: 'the h2 row to change in place' });
      term.keys('C-c');
      assert.equal(await term.exitStatus(10_000), 0);
    } finally {
      term.close();
    }
  });

  test('top in a real terminal: every host, moving with the traffic; q gives the terminal back', { skip: TMUX_SKIP }, async () => {
    const term = new Terminal([...CLI_ARGV, 'top', mesh.manifest], { XDG_RUNTIME_DIR: env.XDG_RUNTIME_DIR, LANG: 'C.UTF-8' });
    try {
      await term.waitForText(/busiest connections/, 10_000);
      const screen = term.screen();
      for (const name of ['local', 'h1', 'h2']) assert.match(screen, new RegExp(`^\\s+${name}\\s+\\d+\\.\\d+\\.\\d+\\.\\d+\\s+up\\s`, 'm'));
      assert.equal(term.format('#{alternate_on}'), '1', 'on the alternate screen');
      // A connection that stays open and keeps moving bytes (however fast the machine) shows
      // as the busiest, and the rates move.
      const flow = connect({ host: vips.h1, port: 7000 });
      flow.on('data', () => {});
      flow.on('error', () => {});
      const chunk = randomPayload(64 * 1024);
      const pump = setInterval(() => flow.write(chunk), 20);
      try {
        await term.waitForText(new RegExp(`local ${vips.local.replaceAll('.', '\\.')}:\\d+\\s+h1 ${vips.h1.replaceAll('.', '\\.')}:7000`), 15_000);
        await term.waitForText(/^\s+h1\s.*\s[1-9][\d.]* (KiB|MiB|GiB)\/s\s/m, 15_000);
      } finally {
        clearInterval(pump);
        flow.destroy();
      }
      term.keys('q');
      assert.equal(await term.exitStatus(10_000), 0);
      assert.equal(term.format('#{alternate_on}'), '0', 'back on the main screen');
      assert.doesNotMatch(term.screen(), /busiest connections/, 'nothing of top left on the screen');
    } finally {
      term.close();
    }
  });
});

test('status with no mesh running: says so, exit 4', async () => {
  mkdirSync(join(dir, 'empty'), { mode: 0o700 });
  const r = await run([...CLI_ARGV, 'status'], { env: { ...process.env, XDG_RUNTIME_DIR: join(dir, 'empty') } });
  assert.equal(r.code, 4);
  assert.equal(r.stdout, 'no norouter mesh of this user is running\n');
});
