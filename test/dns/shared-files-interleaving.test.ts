/**
 * Several meshes whose agents share one /etc/resolv.conf and /etc/hosts, driven through a
 * seeded random schedule of starts (one, or several at the same moment), clean stops, SIGKILLs
 * and agent restarts. The bugs this
 * guards (each seen with two meshes on one host): a clean stop in one order left the file
 * pointing at a dead server; a kill and restart made the two relays point at each other (every
 * outside name SERVFAIL); restarts nested the file, growing it each time; the second copy of a
 * manifest "restored" the first copy's live patch.
 *
 * Real processes only: one network namespace standing in for a container, with its own
 * nameserver (a plain dns2 server on 127.0.0.2:53); each mesh is a real `norouter run` whose one
 * host's agent runs in that namespace with temp files bind-mounted over /etc/resolv.conf and
 * /etc/hosts (a private mount namespace, as in a container). Meshes m1 and m3 are the same
 * manifest file started twice (the same VIP); m2 has a VIP of its own.
 *
 * After every step, once the agents have settled (an agent waiting for another's patch looks
 * again every second): the original is recoverable byte for byte and never nested; a patch
 * belongs to a live agent, and to the same one for as long as that one lives; every live relay
 * sends outside names to the original nameserver only (never to an agent) and they resolve;
 * every live agent has exactly one /etc/hosts block, and removing every block gives the original.
 * At the end, once every agent has stopped, both files are the originals.
 *
 * NOROUTER_DNS_SEED=N replays one schedule; NOROUTER_DNS_STEPS sets its length.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostsBlockOwners, removeHostsBlock } from '../../src/dns/etc-hosts.js';
import { parseOwner } from '../../src/dns/owner.js';
import { originalOf, ownerOf } from '../../src/dns/resolv-conf.js';
import { canUseMountns } from '../helpers/mountns.js';
import { canUseNetns, cmdFor, createNetns, destroyAllNetns, execIn } from '../helpers/netns.js';
import { CLI_ARGV, FollowedProcess, REPO_ROOT, allProcesses, descendantsWithArg, spawnCli, which } from '../helpers/processes.js';
import { nextVip } from '../helpers/vips.js';
import { waitFor } from '../helpers/wait.js';

const SKIP = canUseNetns() ?? canUseMountns() ?? (which('dig') ? undefined : '`dig` (dnsutils) is not installed');
const SEED = Number(process.env.NOROUTER_DNS_SEED ?? 20_261_204);
const STEPS = Number(process.env.NOROUTER_DNS_STEPS ?? 24);
const UPSTREAM = '127.0.0.2';
const ORIGINAL_RESOLV = `# the container's own\nsearch example.test\nnameserver ${UPSTREAM}\noptions ndots:1 rotate\n`;
const ORIGINAL_HOSTS = '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost';

/** mulberry32: a small seeded PRNG, so that a failing schedule can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Mesh {
  name: string;
  manifest: string;
  vip: string;
  router?: FollowedProcess;
  /** Lines of the router before the current agent started: the agent's own lines come after. */
  since: number;
}

interface AgentState {
  pid: number;
  port: number;
  upstreams: string[];
}

test('agents of several meshes sharing resolv.conf and /etc/hosts, through a random schedule of starts, stops and kills', { skip: SKIP, timeout: 600_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nrt-dns-shared-'));
  const resolv = join(dir, 'resolv.conf');
  const hosts = join(dir, 'hosts');
  writeFileSync(resolv, ORIGINAL_RESOLV);
  writeFileSync(hosts, ORIGINAL_HOSTS);
  const ns = await createNetns();
  const upstream = new FollowedProcess(cmdFor(ns, [process.execPath, join(REPO_ROOT, 'test/fixtures/bin/dns-upstream.mjs'), UPSTREAM, '53', 'example.test=192.0.2.7']));
  const meshes: Mesh[] = [];
  t.after(async () => {
    for (const m of meshes) await m.router?.stop('SIGKILL').catch(() => {});
    await upstream.stop('SIGKILL').catch(() => {});
    destroyAllNetns();
    rmSync(dir, { recursive: true, force: true });
  });
  await upstream.waitForLine(/^listening \d+$/, 10_000);

  const manifestFor = (vip: string, host: string): string => {
    const path = join(dir, `${host}.json`);
    const cmd = cmdFor(ns, [
      'unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c',
      'mount --bind "$1" /etc/resolv.conf && mount --bind "$2" /etc/hosts && shift 2 && exec "$@"',
      'sh', resolv, hosts, ...CLI_ARGV,
    ]);
    writeFileSync(path, JSON.stringify({ hosts: { [host]: { vip, cmd, dns: { resolvConf: true }, writeEtcHosts: true } } }));
    return path;
  };
  const [v1, v2] = [nextVip(), nextVip()];
  const shared = manifestFor(v1, 'h1');
  meshes.push({ name: 'm1', manifest: shared, vip: v1, since: 0 }, { name: 'm2', manifest: manifestFor(v2, 'h2'), vip: v2, since: 0 }, { name: 'm3', manifest: shared, vip: v1, since: 0 });
  const agentVips = [v1, v2];

  const history: string[] = [];
  const context = (): string => `seed ${SEED}, steps: ${history.join(' → ')}`;
  const live = (): Mesh[] => meshes.filter((m) => m.router?.running);
  const agentPid = (m: Mesh): number | undefined => (m.router?.running ? descendantsWithArg(m.router.pid, '--me', m.vip).find((p) => p.argv.includes('agent'))?.pid : undefined);

  /** The current agent's DNS state, from its lines: the port it serves on and where it relays. */
  function agentState(m: Mesh): AgentState | undefined {
    // The agent's own lines, `[h1] dns: …` (the router also quotes a dead agent's last lines).
    const lines = m.router?.lines.slice(m.since).map((l) => l.text).filter((l) => /^\[h\d\] /.test(l)) ?? [];
    const serving = lines.map((l) => /dns: serving \d+ names on [\d.]+:(\d+) \(UDP and TCP\); (?:other names go to (.*)|no other)/.exec(l)).find(Boolean);
    const pid = agentPid(m);
    if (!serving || !pid) return undefined;
    const hostsDone = lines.some((l) => /dns: .* lists \d+ names until this agent exits|is not written/.test(l));
    const resolvDone = Number(serving[1]) !== 53 || lines.some((l) => /points at .* until this agent exits|is patched by another live norouter agent|is not patched/.test(l));
    if (!hostsDone || !resolvDone) return undefined;
    return { pid, port: Number(serving[1]), upstreams: serving[2] ? serving[2].split(', ') : [] };
  }

  async function start(m: Mesh): Promise<void> {
    m.router = spawnCli(['run', m.manifest]);
    m.since = 0;
    await m.router.waitForLine(/^norouter: ready in /, 30_000);
    await waitFor(() => agentState(m), { what: `${m.name}'s agent to settle its DNS (${context()})`, timeoutMs: 30_000 });
  }

  async function killAgentOnly(m: Mesh): Promise<void> {
    const pid = agentPid(m);
    assert.ok(pid, `${m.name} has an agent`);
    m.since = m.router!.lines.length;
    process.kill(pid, 'SIGKILL');
    await waitFor(() => !allProcesses().some((p) => p.pid === pid), { what: `${m.name}'s agent to die` });
    // The router restarts it after its backoff; the new agent's lines come after `since`.
    await waitFor(() => agentState(m)?.pid !== undefined && agentState(m)?.pid !== pid, { what: `${m.name}'s agent to be restarted (${context()})`, timeoutMs: 30_000 });
  }

  async function killAll(m: Mesh): Promise<void> {
    const pid = agentPid(m);
    // Both at once: the router gets no chance to restart the agent or to close its stdin.
    if (pid) process.kill(pid, 'SIGKILL');
    m.router!.child.kill('SIGKILL');
    await m.router!.exited;
    if (pid) await waitFor(() => !allProcesses().some((p) => p.pid === pid), { what: `${m.name}'s agent to die` });
  }

  let owner: number | undefined;
  async function check(step: string): Promise<void> {
    const states = live().map((m) => [m, agentState(m)] as const);
    for (const [m, s] of states) assert.ok(s, `${m.name} settled (${context()})`);
    const livePids = states.map(([, s]) => s!.pid);
    const on53 = states.filter(([, s]) => s!.port === 53).map(([, s]) => s!.pid);
    // Someone serving on 53 takes the file (at once, or at its next look once the owner is gone).
    if (on53.length) {
      await waitFor(() => {
        const o = ownerOf(readFileSync(resolv, 'latin1'));
        return o && livePids.includes(o.pid);
      }, { what: `the resolv.conf patch to belong to a live agent after ${step} (${context()}):\n${readFileSync(resolv, 'latin1')}`, timeoutMs: 10_000 });
    }
    const text = readFileSync(resolv, 'latin1');
    if (text !== ORIGINAL_RESOLV) {
      assert.equal(text.split('\n').filter((l) => l.startsWith('# norouter:')).length, 1, `patched once, not nested (${context()})`);
      assert.equal(originalOf(text), ORIGINAL_RESOLV, `the original is recoverable byte for byte (${context()})`);
    }
    const now = ownerOf(text)?.pid;
    if (owner !== undefined && livePids.includes(owner)) assert.equal(now, owner, `a live patch stays its owner's (${context()})`);
    owner = now;
    for (const [m, s] of states) {
      assert.deepEqual(s!.upstreams, [UPSTREAM], `${m.name} relays to the original nameserver only, never to an agent (${agentVips.join(', ')}) (${context()})`);
      const r = await execIn(ns, ['dig', '+short', '+time=3', '+tries=1', '-p', String(s!.port), `@${m.vip}`, 'example.test']);
      assert.equal(r.stdout.trim(), '192.0.2.7', `${m.name} resolves an outside name (${context()}): ${r.stderr}\n${m.router!.tail(30)}`);
    }
    const hostsText = readFileSync(hosts, 'latin1');
    const blocks = hostsBlockOwners(hostsText);
    for (const pid of livePids) assert.equal(blocks.filter((b) => parseOwner(b)?.pid === pid).length, 1, `agent ${pid} has one block (${context()})\n${hostsText}`);
    assert.equal(blocks.reduce((text, b) => removeHostsBlock(text, b), hostsText), ORIGINAL_HOSTS, `the hosts file is the original plus whole blocks (${context()})`);
  }

  const rand = random(SEED);
  for (let i = 0; i < STEPS; i++) {
    const m = meshes[Math.floor(rand() * meshes.length)] as Mesh;
    const r = rand();
    const stopped = meshes.filter((x) => !x.router?.running);
    let step: string;
    if (stopped.length >= 2 && r < 0.25) {
      // Started at the same moment: they race for the file (and m1 and m3 for the same port).
      step = `start ${stopped.map((x) => x.name).join(' and ')} at once`;
      history.push(step);
      await Promise.all(stopped.map((x) => start(x)));
    } else if (!m.router?.running) {
      step = `start ${m.name}`;
      history.push(step);
      await start(m);
    } else if (r < 0.4) {
      step = `stop ${m.name}`;
      history.push(step);
      const { code } = await m.router.stop('SIGTERM', 15_000);
      assert.equal(code, 0, `${m.name} stopped cleanly (${context()})`);
    } else if (r < 0.7) {
      step = `kill -9 ${m.name}`;
      history.push(step);
      await killAll(m);
    } else {
      step = `kill -9 ${m.name}'s agent (restarted)`;
      history.push(step);
      await killAgentOnly(m);
    }
    await check(step);
  }

  // Everyone stops; a dead agent's patch (the last step a kill) is recovered by the next agent.
  for (const m of live()) await m.router!.stop('SIGTERM', 15_000);
  if (readFileSync(resolv, 'latin1') !== ORIGINAL_RESOLV || hostsBlockOwners(readFileSync(hosts, 'latin1')).length) {
    const m = meshes[1] as Mesh;
    history.push(`start ${m.name}`, `stop ${m.name}`);
    await start(m);
    await m.router!.stop('SIGTERM', 15_000);
  }
  assert.equal(readFileSync(resolv, 'latin1'), ORIGINAL_RESOLV, `resolv.conf is the original once all stopped (${context()})`);
  assert.equal(readFileSync(hosts, 'latin1'), ORIGINAL_HOSTS, `/etc/hosts is the original once all stopped (${context()})`);
  t.diagnostic(context());
});
