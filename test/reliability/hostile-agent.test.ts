/**
 * docs/reliability.md, "Hostile agent (fake agent speaking the protocol)": an agent that speaks the
 * protocol (test/fixtures/reliability/fake-agent.ts, built on src/protocol's encoder) and abuses
 * it: frames from another host's VIP, OPENs to ports nobody publishes, window overruns, duplicate
 * OPENs, tiny windows, oversized and malformed frames, floods of OPENs. Each case runs a real
 * router with a real victim agent in a network namespace (publishing an echo and a counting server)
 * and a real bystander agent (the local host, through which the test's own connections go), and
 * checks what the router and the victim do, and that nothing reaches a service it should not.
 *
 * The bar: rejected, counted and logged once per kind, never forwarded, and the
 * sending link closed when it is plainly hostile. Cases that fall short today are todo.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { manifestText, startMesh, nsHostCmd, type Mesh } from '../helpers/mesh.js';
import { canUseNetns, createNetns, destroyAllNetns, destroyNetns } from '../helpers/netns.js';
import { CLI_ARGV, descendantsWithArg } from '../helpers/processes.js';
import { startTcpServer } from '../helpers/services.js';
import { nextVip } from '../helpers/vips.js';
import { waitFor } from '../helpers/wait.js';
import { echoExact, fakeAgentCmd, startTarget } from './helpers.js';
import { Router } from '../../src/router/router.js';
import { loadManifest } from '../../src/manifest/load.js';
import { compile } from '../../src/compile/compile.js';

const NETNS_SKIP = canUseNetns();
after(destroyAllNetns);

const ECHO = 9004;
const COUNT = 9010;

interface Scene {
  mesh: Mesh;
  vips: { local: string; victim: string };
  /** Lines of the counting server: one `conn N` per connection that reached it. */
  counted(): number;
  victimPid(): number | undefined;
  /** A real connection through the victim: 256 KiB echoed byte for byte. */
  echoOk(): Promise<boolean>;
  /** The router's own log lines about `host`. */
  about(host: string): string[];
}

/**
 * A mesh of local (bystander), victim (netns, real agent) and one fake host per entry of
 * `fakes` (name → the fake agent's MODE and arguments); `V` and `L` in the arguments stand for
 * the victim's and local's VIPs.
 */
async function scene(fakes: Record<string, string[]>, body: (s: Scene) => Promise<void>): Promise<void> {
  const ns = await createNetns();
  const echo = await startTcpServer('echo', { ns, port: ECHO });
  const count = await startTarget('count', ns, COUNT);
  const vips = { local: nextVip(), victim: nextVip() };
  const sub = (a: string) => (a === 'V' ? vips.victim : a === 'L' ? vips.local : a);
  const mesh = await startMesh([
    { name: 'local', vip: vips.local },
    { name: 'victim', vip: vips.victim, cmd: nsHostCmd(ns), ports: [`${ECHO}:127.0.0.1:${ECHO}`, `${COUNT}:127.0.0.1:${COUNT}`] },
    ...Object.entries(fakes).map(([name, mode]) => ({ name, vip: nextVip(), cmd: fakeAgentCmd(...mode.map(sub)) })),
  ]);
  const s: Scene = {
    mesh,
    vips,
    counted: () => count.proc.lines.filter((l) => /^conn \d+$/.test(l.text)).length,
    victimPid: () => descendantsWithArg(mesh.router.pid, '--me', vips.victim).at(-1)?.pid,
    echoOk: async () => (await echoExact(vips.victim, ECHO, 256 * 1024, 5000)).ok,
    about: (host) => mesh.router.lines.map((l) => l.text).filter((t) => t.startsWith(`norouter: ${host}: `)),
  };
  try {
    // The first connection may race the bystander's listener just after `ready`.
    await waitFor(() => s.echoOk(), { timeoutMs: 5000, what: 'an echo through the victim before the attack' });
    await body(s);
  } finally {
    await mesh.stop().catch(() => {});
    await Promise.all([echo.stop(), count.stop()].map((p) => p.catch(() => {})));
    destroyNetns(ns);
  }
}

/** Asserts that the victim's agent neither restarted nor lost its link during the attack. */
async function assertVictimUnharmed(s: Scene, pid: number | undefined, waitMs = 1500): Promise<void> {
  const harmed = await s.mesh.router.waitForLine(/^norouter: victim: (link down|agent exited)/, waitMs).then((l) => l, () => undefined);
  assert.equal(harmed, undefined, `the victim was hurt by another host's frames: ${harmed}`);
  assert.equal(s.victimPid(), pid, 'the victim\'s agent was restarted');
  assert.ok(await s.echoOk(), 'a real connection through the victim failed after the attack');
}

describe('a hostile agent', { skip: NETNS_SKIP, timeout: 90_000 }, () => {
  test('frames with another host\'s SrcIP: the spoofer\'s link is closed with a logged reason; nothing is forwarded', async () => {
    await scene({ fake: ['spoof', 'L', 'V', String(COUNT)] }, async (s) => {
      const pid = s.victimPid();
      const line = await s.mesh.router.waitForLine(/^norouter: fake: link down: protocol error \(bad-address\): it sent a frame from [\d.]+, not its own VIP$/, 10_000);
      assert.ok(line.includes(s.vips.local), line);
      // The router drops the frame in the same turn as it closes the link: if it had forwarded
      // it, the victim would have dialled the counting server.
      assert.equal(s.counted(), 0, 'the spoofed OPEN reached the victim\'s service');
      assert.equal(s.victimPid(), pid);
      assert.ok(await s.echoOk());
      assert.equal(s.counted(), 0);
    });
  });

  // Was a gap: OPENs for unpublished ports reached the target agent, which refused them without a
  // trace, so a port scan from a compromised host went unseen. The router now refuses them itself
  // (src/router/open-policy.ts): never forwarded, counted, logged once per kind.
  test('OPENs to ports the target does not publish: refused by the router, never forwarded, logged once', async () => {
    await scene({ fake: ['open', 'V', '9999', '22'] }, async (s) => {
      const pid = s.victimPid();
      await s.mesh.router.waitForLine(/^\[fake\] recv abort [\d.]+:9999 > [\d.]+:\d+ policy victim does not publish port 9999/, 10_000);
      await s.mesh.router.waitForLine(/^\[fake\] recv abort [\d.]+:22 > [\d.]+:\d+ policy victim does not publish port 22/, 5000);
      assert.equal(s.counted(), 0);
      await assertVictimUnharmed(s, pid, 0);
      const logged = s.mesh.router.lines.filter((l) => /^norouter: fake: refused an OPEN/.test(l.text));
      assert.equal(logged.length, 1, 'one log line for the kind, the rest counted');
      assert.match(logged[0]?.text ?? '', /does not publish port 9999 \(unpublished-port\)/);
      assert.ok(!s.mesh.router.lines.some((l) => /^\[victim\] .*(9999|:22\b)/.test(l.text)), 'nothing reached the victim');
    });
  });

  test('malformed frames (over MAX_FRAME_LEN; data over 64 KiB): each sender\'s link is closed, logged with its host name and the code; the victim is untouched', async () => {
    await scene({ huge: ['oversized'], wide: ['big-data', 'V', String(ECHO)] }, async (s) => {
      const pid = s.victimPid();
      await s.mesh.router.waitForLine(/^norouter: huge: link down: protocol error \(frame-too-large\): /, 10_000);
      await s.mesh.router.waitForLine(/^norouter: wide: link down: protocol error \(bad-payload\): data frame with a 65537-byte payload/, 10_000);
      await s.mesh.router.waitForLine(/^\[huge\] recv goodbye protocol-error: /, 5000);
      await s.mesh.router.waitForLine(/^\[wide\] recv goodbye protocol-error: /, 5000);
      await assertVictimUnharmed(s, pid, 0);
    });
  });

  // Was a bug: the router checked frames statelessly (§5.3) and SrcIP (§5.7) but forwarded every
  // per-connection violation as is; the victim's mux reported it as a link-fatal ProtocolError
  // (§8.1) and the victim agent exited: one hostile (or buggy) host could reset every connection
  // of any other host, at will, every time it restarted, and its own link was never closed. The
  // router now keeps the books of every connection (src/router/conntrack.ts).
  test('per-connection violations (window overrun, duplicate OPEN, OPEN window below 64 KiB): never forwarded, the sender\'s link closed and logged, the victim untouched', async () => {
    await scene({ overrun: ['overrun', 'V', String(ECHO)], dup: ['dup-open', 'V', String(ECHO)], tiny: ['small-window', 'V', String(ECHO)] }, async (s) => {
      const pid = s.victimPid();
      for (const [host, mode, code] of [['overrun', 'overrun', 'window-overrun'], ['dup', 'dup-open', 'bad-state'], ['tiny', 'small-window', 'bad-payload']]) {
        await s.mesh.router.waitForLine(new RegExp(`^\\[${host}\\] sent ${mode}$`), 10_000);
        await s.mesh.router.waitForLine(new RegExp(`^norouter: ${host}: link down: protocol error \\(${code}\\): `), 5000);
        await s.mesh.router.waitForLine(new RegExp(`^\\[${host}\\] recv goodbye protocol-error: `), 5000);
      }
      await assertVictimUnharmed(s, pid);
      assert.ok(!s.mesh.router.lines.some((l) => /^\[victim\] .*(protocol|overrun|bad-state|bad-payload)/.test(l.text)), 'a violation reached the victim');
    });
  });

  test('a flood of 3,000 OPENs: every one is answered, and the victim keeps serving a real client', { timeout: 40_000 }, async () => {
    await scene({ fake: ['flood', 'V', String(COUNT), '3000'] }, async (s) => {
      const pid = s.victimPid();
      const summary = await s.mesh.router.waitForLine(/^\[fake\] summary open-ok \d+ abort \d+/, 20_000);
      assert.match(summary, /open-ok 3000 abort 0/);
      await waitFor(() => s.counted() >= 3000, { timeoutMs: 10_000, what: '3,000 connections at the counting server' });
      await assertVictimUnharmed(s, pid, 0);
    });
  });
});

// Was a gap: nothing bounded how many connections one peer may hold open at an acceptor: each
// OPEN costs a dial and two descriptors on the target's machine, so a flood over the 64,512
// source ports of each published port could exhaust the victim's descriptors. The router now
// caps live connections per pair of hosts (MAX_CONNECTIONS_PER_PEER, 16,384; lowered to 100 here
// through the Router class, which still spawns real agents).
describe('the router\'s per-peer connection limit', { timeout: 60_000 }, () => {
  test('OPENs beyond it get ABORT resource-limit, logged once; the victim keeps serving', async () => {
    const count = await startTarget('count', undefined, 0);
    const echo = await startTcpServer('echo');
    const vips = { victim: nextVip(), fake: nextVip() };
    const loaded = loadManifest(manifestText([
      { name: 'victim', vip: vips.victim, ports: [`${COUNT}:127.0.0.1:${count.port}`, `${ECHO}:127.0.0.1:${echo.port}`] },
      { name: 'fake', vip: vips.fake, cmd: fakeAgentCmd('flood', vips.victim, String(COUNT), '150') },
    ]), 'limit.yaml');
    assert.ok(loaded.ok && loaded.manifest, JSON.stringify(loaded.diagnostics));
    const log: string[] = [];
    const router = new Router(compile(loaded.manifest, { self: CLI_ARGV }), {
      log: (line) => log.push(line),
      agentLog: (host, line) => log.push(`[${host}] ${line}`),
      limits: { perPeer: 100 },
    });
    router.start();
    try {
      const summary = await waitFor(() => log.find((l) => /^\[fake\] summary /.test(l)), { timeoutMs: 20_000, what: `the flood's summary; log:\n${log.join('\n')}` });
      assert.match(summary, /open-ok 100 abort 50 \{"resource-limit":50\}/);
      const refusals = log.filter((l) => /^fake: refused an OPEN/.test(l));
      assert.equal(refusals.length, 1, refusals.join('\n'));
      assert.match(refusals[0] ?? '', /more than 100 live connections to [\d.]+ \(connection-limit\)/);
      await waitFor(() => count.proc.lines.filter((l) => /^conn \d+$/.test(l.text)).length >= 100, { timeoutMs: 10_000, what: '100 connections at the counting server' });
      assert.equal(count.proc.lines.filter((l) => /^conn \d+$/.test(l.text)).length, 100, 'only the admitted OPENs were dialled');
      assert.equal(router.stats().connections, 100);
      assert.ok((await echoExact(vips.victim, ECHO, 256 * 1024, 5000)).ok, 'the victim still serves another host (the router\'s own)');
      assert.ok(!log.some((l) => /^victim: /.test(l)), `the victim was disturbed:\n${log.join('\n')}`);
    } finally {
      await router.stop(2000);
      await Promise.all([count.stop(), echo.stop()].map((p) => p.catch(() => {})));
    }
  });
});
