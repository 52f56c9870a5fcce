/**
 * docs/reliability.md, "Listening sockets": nothing listens beyond what the manifest asks for.
 * Lists every listening socket (TCP and UDP, `ss -Hltnup`) of the router and of each agent, in each
 * agent's own network namespace, and compares with the plan: the router listens on nothing; each
 * agent on exactly the other hosts' published VIP:ports plus its own forwards' listen ports on its
 * own VIP (no wildcard address, no debug port, no UDP without DNS).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { startMesh, nsHostCmd } from '../helpers/mesh.js';
import { canUseNetns, createNetns, destroyAllNetns, execIn } from '../helpers/netns.js';
import { descendantsWithArg, run, which } from '../helpers/processes.js';
import { nextVip } from '../helpers/vips.js';
import { waitFor } from '../helpers/wait.js';

const SKIP = canUseNetns() ?? (which('ss') ? undefined : '`ss` (iproute2) is not installed');
after(destroyAllNetns);

/** `proto local-address` of every listening socket of `pid`, in namespace `ns` (undefined: here). */
async function listeningOf(pid: number, ns: string | undefined): Promise<string[]> {
  const argv = ['ss', '-Hltnup'];
  const r = ns ? await execIn(ns, argv) : await run(argv);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split('\n')
    .filter((line) => new RegExp(`[(,]pid=${pid},`).test(line))
    .map((line) => {
      const cols = line.trim().split(/\s+/);
      return `${cols[0]} ${cols[4]}`;
    })
    .sort();
}

test('the router listens on nothing; each agent on exactly the others\' ports and its own forwards, on VIPs only', { skip: SKIP, timeout: 30_000 }, async () => {
  const nsA = await createNetns();
  const nsB = await createNetns();
  const v = { local: nextVip(), a: nextVip(), b: nextVip() };
  const mesh = await startMesh([
    { name: 'local', vip: v.local, ports: ['7001:127.0.0.1:7001'] },
    { name: 'a', vip: v.a, cmd: nsHostCmd(nsA), ports: ['8080:127.0.0.1:80', '8081:127.0.0.1:81'] },
    { name: 'b', vip: v.b, cmd: nsHostCmd(nsB), ports: ['9090:127.0.0.1:9090'] },
  ]);
  try {
    const published = [`${v.local}:7001`, `${v.a}:8080`, `${v.a}:8081`, `${v.b}:9090`].map((x) => `tcp ${x}`).sort();
    const agents = { local: undefined, a: nsA, b: nsB } as const;
    for (const [name, ns] of Object.entries(agents) as [keyof typeof v, string | undefined][]) {
      const pid = descendantsWithArg(mesh.router.pid, '--me', v[name]).at(-1)?.pid;
      assert.ok(pid, `no agent for ${name}`);
      // `ready` means every agent said HELLO; its listeners may still be binding.
      const got = await waitFor(async () => {
        const l = await listeningOf(pid, ns);
        return l.length >= published.length ? l : undefined;
      }, { timeoutMs: 5000, what: `${name}'s listeners` });
      // Every host listens on every published VIP:port: others' through the mesh, its own forwards
      // on its own VIP (reached through the router too).
      assert.deepEqual(got, published, `agent ${name} (pid ${pid})`);
    }
    assert.deepEqual(await listeningOf(mesh.router.pid, undefined), [], 'the router listens');
  } finally {
    await mesh.stop();
  }
});
