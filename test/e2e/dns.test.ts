/**
 * End to end: `norouter run` with the DNS add-on, against real resolvers. Each remote
 * host is a network namespace whose /etc/resolv.conf and /etc/hosts are bind mounts of temp files
 * in a private mount namespace, as in a Docker container (rename over them fails with EBUSY); a
 * plain dns2 server inside each namespace is the "container's" own nameserver, so no query
 * leaves the machine. Resolvers: dig, glibc (getent) and musl (a static getaddrinfo program).
 * Needs root, iproute2, util-linux, dig and getent; musl-gcc for the musl case. Skips saying why.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canUseNetns, cmdFor, createNetns, destroyAllNetns } from '../helpers/netns.js';
import { canUseMountns } from '../helpers/mountns.js';
import { CLI_ARGV, FollowedProcess, REPO_ROOT, allProcesses, run, runOk, spawnCli, which } from '../helpers/processes.js';
import { nextVip } from '../helpers/vips.js';
import { waitFor } from '../helpers/wait.js';

const SKIP = canUseNetns() ?? canUseMountns()
  ?? (which('dig') ? undefined : '`dig` (dnsutils) is not installed')
  ?? (which('getent') ? undefined : '`getent` (libc-bin) is not installed');
const MUSL_SKIP = which('musl-gcc') ? undefined : '`musl-gcc` (musl-tools) is not installed';

const UPSTREAM_IP = '127.0.0.2';
const ORIGINAL_RESOLV = `# the container's own resolv.conf\nsearch example.test\nnameserver ${UPSTREAM_IP}\noptions ndots:1 rotate\n`;
const ORIGINAL_HOSTS = '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost';

interface Host {
  name: string;
  vip: string;
  ns?: string;
  files?: { resolv: string; hosts: string };
}

describe('DNS add-on: names across a mesh of the local host and three namespaces', { skip: SKIP, timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'nrt-dns-'));
  const manifestPath = join(dir, 'manifest.yaml');
  const hosts: Host[] = [];
  const upstreams: FollowedProcess[] = [];
  let router: FollowedProcess;
  let manifest: Record<string, unknown>;
  const [laptop, host1, host2, host3] = [0, 1, 2, 3].map(() => ({}) as Host) as [Host, Host, Host, Host];

  /** The agent's cmd: inside `ns`, with the temp files bind-mounted over /etc (read-only if asked). */
  function wrap(ns: string, files: { resolv: string; hosts: string }, readOnly = false): string[] {
    const ro = readOnly ? ' && mount -o remount,ro,bind /etc/resolv.conf' : '';
    return cmdFor(ns, [
      'unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c',
      `mount --bind "$1" /etc/resolv.conf && mount --bind "$2" /etc/hosts${ro} && shift 2 && exec "$@"`,
      'sh', files.resolv, files.hosts, ...CLI_ARGV,
    ]);
  }

  /** Runs argv on a host as its programs would: inside its namespace, seeing its /etc files. */
  function on(host: Host, argv: string[]): string[] {
    if (!host.ns || !host.files) return argv;
    return cmdFor(host.ns, [
      'unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c',
      'mount --bind "$1" /etc/resolv.conf && mount --bind "$2" /etc/hosts && shift 2 && exec "$@"',
      'sh', host.files.resolv, host.files.hosts, ...argv,
    ]);
  }

  async function dig(from: Host, server: Host, ...args: string[]): Promise<string> {
    const r = await run(on(from, ['dig', '+short', '+time=2', '+tries=1', `@${server.vip}`, ...args]));
    assert.equal(r.code, 0, `dig ${args.join(' ')} from ${from.name}: ${r.stderr}`);
    return r.stdout.trim();
  }

  const countLines = (re: RegExp): number => router.lines.filter((l) => re.test(l.text)).length;
  const agentPids = (vip: string): number[] =>
    allProcesses().filter((p) => p.argv.some((a, i) => a === '--me' && p.argv[i + 1] === vip) && p.argv.includes('agent')).map((p) => p.pid);

  before(async () => {
    Object.assign(laptop, { name: 'laptop', vip: nextVip() });
    for (const [host, name] of [[host1, 'host1'], [host2, 'host2'], [host3, 'host3']] as const) {
      const ns = await createNetns();
      const resolv = join(dir, `${name}.resolv.conf`);
      const hostsFile = join(dir, `${name}.hosts`);
      writeFileSync(resolv, ORIGINAL_RESOLV);
      writeFileSync(hostsFile, ORIGINAL_HOSTS);
      Object.assign(host, { name, vip: nextVip(), ns, files: { resolv, hosts: hostsFile } });
      const upstream = new FollowedProcess(cmdFor(ns, [process.execPath, join(REPO_ROOT, 'test/fixtures/bin/dns-upstream.mjs'), UPSTREAM_IP, '53', 'example.test=192.0.2.7']));
      upstreams.push(upstream);
    }
    await Promise.all(upstreams.map((u) => u.waitForLine(/^listening \d+$/, 10_000)));
    hosts.push(laptop, host1, host2, host3);
    manifest = {
      hostTemplate: { dns: { domain: 'mesh' } },
      hosts: {
        laptop: { vip: laptop.vip },
        host1: { vip: host1.vip, cmd: wrap(host1.ns!, host1.files!), dns: { aliases: ['www'] } },
        host2: { vip: host2.vip, cmd: wrap(host2.ns!, host2.files!), writeEtcHosts: true },
        host3: { vip: host3.vip, cmd: wrap(host3.ns!, host3.files!, true), dns: { resolvConf: true } },
      },
    };
    writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
    router = spawnCli(['run', manifestPath]);
    await router.waitForLine(/^norouter: ready in /, 20_000);
    await waitFor(() => readFileSync(host1.files!.resolv, 'latin1').startsWith('# norouter:'), { what: "host1's resolv.conf to be patched", timeoutMs: 10_000 });
    await waitFor(() => readFileSync(host2.files!.hosts, 'latin1').includes('# END norouter'), { what: "host2's /etc/hosts block", timeoutMs: 10_000 });
  });

  after(async () => {
    await router?.stop('SIGTERM', 10_000).catch(() => {});
    await Promise.all(upstreams.map((u) => u.stop('SIGKILL').catch(() => {})));
    destroyAllNetns();
    rmSync(dir, { recursive: true, force: true });
  });

  // `norouter status` shows what only the agents count (COUNTERS, docs/protocol.md §4.8).
  test('status shows the queries a host\'s DNS server answered and relayed, exactly', async () => {
    const dnsOf = async (): Promise<{ answered: number; relayed: number }> => {
      const r = await run([...CLI_ARGV, 'status', '--json', manifestPath]);
      const s = JSON.parse(r.stdout) as { meshes: { hosts: { name: string; dns: { answered: number; relayed: number } }[] }[] };
      const h = s.meshes[0]?.hosts.find((x) => x.name === 'host1');
      assert.ok(h, r.stdout + r.stderr);
      return h.dns;
    };
    // The first test of this mesh: nothing has asked host1's server anything yet.
    const before = await dnsOf();
    for (let i = 0; i < 3; i++) assert.equal(await dig(host1, host1, 'host2'), host2.vip);
    assert.equal(await dig(host1, host1, 'example.test'), '192.0.2.7');
    const after = await waitFor(async () => {
      const now = await dnsOf();
      return now.answered - before.answered === 3 && now.relayed - before.relayed === 1 ? now : undefined;
    }, { timeoutMs: 15_000, intervalMs: 250, what: 'three answered and one relayed in status' });
    assert.ok(after);
  });

  test('dig @VIP NAME from every host, over UDP and TCP, bare and with the suffix', async () => {
    for (const from of hosts) {
      for (const to of hosts) {
        assert.equal(await dig(from, from, to.name), to.vip, `${from.name} asks for ${to.name}`);
        assert.equal(await dig(from, from, '+tcp', `${to.name.toUpperCase()}.mesh`), to.vip, `${from.name} asks for ${to.name}.mesh over TCP`);
      }
      assert.equal(await dig(from, from, 'www'), host1.vip, 'an alias');
    }
  });

  test("a container's resolv.conf is patched in place: our VIP the only nameserver, search kept, rotate dropped", () => {
    const text = readFileSync(host1.files!.resolv, 'latin1');
    assert.deepEqual([...text.matchAll(/^nameserver (\S+)$/gm)].map((m) => m[1]), [host1.vip]);
    assert.match(text, /^search example\.test$/m);
    assert.match(text, /^options ndots:1$/m);
  });

  // `getent hosts` (gethostbyname), not `ahosts`: getaddrinfo's AI_ADDRCONFIG finds no IPv4
  // address but loopback in a bare namespace and returns nothing, whoever answers (a container
  // has an eth0; this stand-in has only lo).
  test('glibc (getent, through nsswitch) resolves host names, suffixed names and aliases', async () => {
    for (const [name, vip] of [['host2', host2.vip], ['host3.mesh', host3.vip], ['www', host1.vip], ['LAPTOP', laptop.vip]] as const) {
      const r = await run(on(host1, ['getent', 'hosts', name]));
      assert.equal(r.code, 0, `getent hosts ${name}: ${r.stderr}`);
      assert.equal(r.stdout.split(/\s+/)[0], vip, name);
    }
  });

  test('musl (getaddrinfo, A and AAAA in parallel) resolves through the single nameserver', { skip: MUSL_SKIP }, async () => {
    // The original resolv.conf names a nameserver that answers NXDOMAIN for host2 at once: had the
    // patch kept it beside ours, musl would race the two and could fail. AAAA must be NOERROR.
    const bin = join(dir, 'getaddrinfo-musl');
    await runOk(['musl-gcc', '-static', '-O2', '-o', bin, join(REPO_ROOT, 'test/fixtures/bin/getaddrinfo.c')], { timeoutMs: 60_000 });
    for (let i = 0; i < 5; i++) {
      const r = await run(on(host1, [bin, 'host2']));
      assert.equal(r.code, 0, `musl getaddrinfo host2: ${r.stderr}`);
      assert.equal(r.stdout.trim(), host2.vip);
    }
    const outside = await run(on(host1, [bin, 'example.test']));
    assert.equal(outside.stdout.trim(), '192.0.2.7', outside.stderr);
  });

  test('names outside the mesh go through the relay to the original nameserver', async () => {
    assert.equal(await dig(host1, host1, 'example.test'), '192.0.2.7');
    assert.equal(await dig(host1, host1, '+tcp', 'example.test'), '192.0.2.7');
    const r = await run(on(host1, ['getent', 'hosts', 'example.test']));
    assert.equal(r.stdout.split(/\s+/)[0], '192.0.2.7', r.stderr);
    const nx = await run(on(host1, ['dig', '+time=2', '+tries=1', `@${host1.vip}`, 'nothing.example.test']));
    assert.match(nx.stdout, /status: NXDOMAIN/);
  });

  test('writeEtcHosts: a marked block in /etc/hosts, read by glibc without DNS', async () => {
    const text = readFileSync(host2.files!.hosts, 'latin1');
    assert.ok(text.startsWith(ORIGINAL_HOSTS), 'the original is kept as it was');
    assert.match(text, new RegExp(`^${host1.vip.replace(/\./g, '\\.')} host1 host1\\.mesh www www\\.mesh$`, 'm'));
    const r = await run(on(host2, ['getent', '-s', 'files', 'hosts', 'www']));
    assert.match(r.stdout, new RegExp(`^${host1.vip.replace(/\./g, '\\.')}\\s`), r.stderr);
  });

  test('a read-only resolv.conf: a warning saying why, the file untouched, DNS and the mesh still work', async () => {
    await waitFor(() => countLines(/\[host3\].*resolv\.conf is not patched: .*read-only file system \(EROFS\)/), { what: 'the EROFS warning' });
    assert.equal(readFileSync(host3.files!.resolv, 'latin1'), ORIGINAL_RESOLV);
    assert.equal(await dig(host3, host3, 'host1'), host1.vip);
  });

  test('a reload adds an alias: every agent serves it at once, none restarted', async () => {
    const before = hosts.map((h) => agentPids(h.vip));
    const hostsOf = manifest.hosts as Record<string, { dns?: { aliases?: string[] } }>;
    hostsOf.host1!.dns = { aliases: ['www', 'shop'] };
    writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
    router.child.kill('SIGHUP');
    await router.waitForLine(/reload.*dns: \+shop=/, 10_000);
    for (const from of hosts) {
      await waitFor(async () => (await dig(from, from, 'shop')) === host1.vip, { what: `${from.name} to answer shop`, timeoutMs: 5000 });
    }
    assert.equal(readFileSync(host2.files!.hosts, 'latin1').includes(' shop shop.mesh'), true, '/etc/hosts rewritten too');
    assert.deepEqual(hosts.map((h) => agentPids(h.vip)), before);
  });

  test('SIGTERM to an agent: its resolv.conf is the original byte for byte', async () => {
    const [pid] = agentPids(host1.vip);
    assert.ok(pid, 'host1 agent running');
    const exits = countLines(/^norouter: host1: agent exited with status 0/);
    process.kill(pid, 'SIGTERM');
    await waitFor(() => countLines(/^norouter: host1: agent exited with status 0/) > exits, { what: 'host1 agent to exit' });
    // The router restarts it after its backoff (≥ 250 ms): this is the moment between.
    assert.equal(readFileSync(host1.files!.resolv, 'latin1'), ORIGINAL_RESOLV);
    await waitFor(() => readFileSync(host1.files!.resolv, 'latin1').startsWith('# norouter:'), { what: 'the restarted agent to patch again', timeoutMs: 10_000 });
  });

  test('SIGKILL leaves the file patched; the next agent recovers it, and stopping restores it byte for byte', async () => {
    const [pid] = agentPids(host1.vip);
    assert.ok(pid);
    const kills = countLines(/^norouter: host1: agent was killed by SIGKILL/);
    const ups = countLines(/^norouter: host1: up/);
    process.kill(pid, 'SIGKILL');
    await waitFor(() => countLines(/^norouter: host1: agent was killed by SIGKILL/) > kills, { what: 'host1 agent to die' });
    assert.ok(readFileSync(host1.files!.resolv, 'latin1').startsWith('# norouter:'), 'left patched: nobody could restore it');
    await waitFor(() => countLines(/^norouter: host1: up/) > ups, { what: 'host1 to be restarted', timeoutMs: 10_000 });
    await waitFor(() => countLines(/\[host1\] dns: .*restored the original that an earlier agent/), { what: 'the recovery line' });
    // The recovery comes first; the new patch once the agent's DNS server listens (a race the
    // test lost now and then when it read the file at once).
    await waitFor(() => readFileSync(host1.files!.resolv, 'latin1').startsWith('# norouter:'), { what: 'the restarted agent to patch again', timeoutMs: 10_000 });
    const patched = readFileSync(host1.files!.resolv, 'latin1');
    assert.equal([...patched.matchAll(/^# norouter:/gm)].length, 1, 'patched once, not a patch of a patch');
    assert.equal(await dig(host1, host1, 'host2'), host2.vip);

    const { code } = await router.stop('SIGTERM', 10_000);
    assert.equal(code, 0);
    for (const h of [host1, host2, host3]) {
      assert.equal(readFileSync(h.files!.resolv, 'latin1'), ORIGINAL_RESOLV, `${h.name} resolv.conf`);
      assert.equal(readFileSync(h.files!.hosts, 'latin1'), ORIGINAL_HOSTS, `${h.name} hosts`);
    }
  });

  // docs/reliability.md, "Faults": the router itself killed with SIGKILL. Every agent sees its input end, exits within
  // 2 s, and restores what it changed on the way out (at the latest its successor would).
  test('the router killed with SIGKILL: every agent exits and every file is the original', async () => {
    // The test above stops its router; should it have failed first, it did not.
    if (router.running) await router.stop('SIGTERM', 10_000);
    router = spawnCli(['run', manifestPath]);
    await router.waitForLine(/^norouter: ready in /, 20_000);
    await waitFor(() => readFileSync(host1.files!.resolv, 'latin1').startsWith('# norouter:'), { what: "host1's resolv.conf to be patched", timeoutMs: 10_000 });
    await waitFor(() => readFileSync(host2.files!.hosts, 'latin1').includes('# END norouter'), { what: "host2's /etc/hosts block", timeoutMs: 10_000 });
    const agents = hosts.flatMap((h) => agentPids(h.vip));
    assert.equal(agents.length, hosts.length, 'one agent per host');
    router.child.kill('SIGKILL');
    // An orphan would live for ever: the deadline turns that into a failure and is no verdict
    // on speed (a busy machine is slow, not wrong).
    await waitFor(() => agents.every((pid) => !allProcesses().some((p) => p.pid === pid)), { what: 'every agent to exit', timeoutMs: 15_000 });
    for (const h of [host1, host2, host3]) {
      assert.equal(readFileSync(h.files!.resolv, 'latin1'), ORIGINAL_RESOLV, `${h.name} resolv.conf`);
      assert.equal(readFileSync(h.files!.hosts, 'latin1'), ORIGINAL_HOSTS, `${h.name} hosts`);
    }
  });
});
