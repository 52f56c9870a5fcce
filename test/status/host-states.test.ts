/**
 * What `norouter status` says of a host follows what the router knows of it (docs/status.md):
 * a host whose bootstrap payload cannot be built is given up with the why, not "starting" for
 * ever; an agent whose link broke while its process lives on is down from the link's end, not
 * "up" until the process exits. A real Router from source with real books (src/status/accounting.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Router } from '../../src/router/router.js';
import { Accounting } from '../../src/status/accounting.js';
import { loadManifest } from '../../src/manifest/load.js';
import { compile } from '../../src/compile/compile.js';
import { manifestText, type MeshHost } from '../helpers/mesh.js';
import { CLI_ARGV } from '../helpers/processes.js';
import { nextVip } from '../helpers/vips.js';
import { waitFor } from '../helpers/wait.js';
import { fakeAgentCmd } from '../reliability/helpers.js';
import type { HostStateName } from '../../src/status/snapshot.js';

function startRouter(hosts: MeshHost[]): { router: Router; acct: Accounting; log: string[] } {
  const loaded = loadManifest(manifestText(hosts), 'host-states.yaml');
  assert.ok(loaded.ok && loaded.manifest, JSON.stringify(loaded.diagnostics));
  const log: string[] = [];
  const acct = new Accounting({ manifest: '/host-states.yaml', version: 'test' });
  const router = new Router(compile(loaded.manifest, { self: CLI_ARGV }), {
    accounting: acct,
    log: (line) => log.push(line),
    agentLog: (host, line) => log.push(`[${host}] ${line}`),
  });
  router.start();
  return { router, acct, log };
}

const hostOf = (acct: Accounting, name: string) => acct.snapshot().hosts.find((h) => h.name === name);

test('a bootstrap host whose payload cannot be built (a router run from source) is given up, with the why', { timeout: 30_000 }, async () => {
  const { router, acct, log } = startRouter([
    { name: 'local', vip: nextVip() },
    { name: 'boot', vip: nextVip(), bootstrap: true, cmd: [process.execPath] },
  ]);
  try {
    const boot = await waitFor(() => {
      const h = hostOf(acct, 'boot');
      return h?.state === 'given-up' ? h : undefined;
    }, { timeoutMs: 20_000, what: `boot given up in the books; log:\n${log.join('\n')}` });
    assert.match(boot.why ?? '', /^cannot bootstrap: .*is not the single-file norouter build/);
    assert.equal(router.hostStatus('boot'), 'given-up');
    assert.match(log.find((l) => l.startsWith('boot: cannot bootstrap: ')) ?? '', /It is not started until the manifest changes for this host, or on SIGHUP$/);
    assert.deepEqual(acct.snapshot().events.filter((e) => e.host === 'boot').map((e) => e.kind), ['given-up']);
  } finally {
    await router.stop(2000);
  }
});

test('an agent whose link broke while its process lives on is down from the link\'s end', { timeout: 30_000 }, async () => {
  // hello-garbage: says HELLO, then writes garbage and ignores its input closing (a hung exec),
  // so its process outlives its link by the router's grace time.
  const { router, acct, log } = startRouter([
    { name: 'local', vip: nextVip() },
    { name: 'hung', vip: nextVip(), cmd: fakeAgentCmd('hello-garbage') },
  ]);
  // Each state change of `hung` in the books, with whether its process was running then.
  const seen: { state: HostStateName; running: boolean; why?: string; downEvents: string[] }[] = [];
  acct.onChange = () => {
    const h = hostOf(acct, 'hung');
    const last = seen.at(-1);
    if (!h || (h.state === last?.state && h.why === last.why)) return;
    const downEvents = acct.snapshot().events.filter((e) => e.host === 'hung' && e.kind === 'down').map((e) => e.text);
    seen.push({ state: h.state, running: router.hostStatus('hung') === 'running', ...(h.why !== undefined ? { why: h.why } : {}), downEvents });
  };
  try {
    const exited = await waitFor(() => seen.find((s) => s.state === 'down' && !s.running), { timeoutMs: 20_000, what: `hung's process to end; seen ${JSON.stringify(seen)}; log:\n${log.join('\n')}` });
    const down = seen.findIndex((s) => s.state === 'down');
    assert.equal(seen[down - 1]?.state, 'up', JSON.stringify(seen));
    assert.equal(seen[down]?.running, true, `down while its process still ran: ${JSON.stringify(seen)}`);
    assert.match(seen[down]?.why ?? '', /^link down: /);
    // The exit's why replaces the link's: one failure, one event.
    assert.notEqual(exited.why, seen[down]?.why);
    assert.deepEqual(exited.downEvents, [exited.why]);
  } finally {
    await router.stop(2000);
  }
});
