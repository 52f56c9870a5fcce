/**
 * Hosts that can never start (docs/reliability.md, "Hosts that can never start"). Was a bug: a
 * host whose command is not found (127), not executable (126), or whose copied-in norouter has
 * no `node` to run it was restarted for ever, each time with a bare `DOWN: exited with status
 * 127` and nothing saying what to do. Now the log and the summary say what is wrong and how to
 * fix it, and after repeated identical quick failures the router stops restarting the host until
 * the manifest changes for it or SIGHUP. Every command here really fails: a real `sh` that
 * cannot find or execute, a real copy of the CLI run by `env` where no node is on PATH.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Router } from '../../src/router/router.js';
import { GIVE_UP_KNOWN } from '../../src/router/start-failures.js';
import { loadManifest } from '../../src/manifest/load.js';
import { compile } from '../../src/compile/compile.js';
import { manifestText, startMesh, type MeshHost } from '../helpers/mesh.js';
import { CLI_ARGV, CLI_PATH } from '../helpers/processes.js';
import { nextVip } from '../helpers/vips.js';
import { waitFor } from '../helpers/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'nrt-give-up-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A host command that counts its runs in `file`, then fails as `then` does (a real `sh`). */
function counted(file: string, then: string): string[] {
  return ['sh', '-c', `echo run >> ${file}; ${then}`, 'sh'];
}
const runs = (file: string): number => readFileSync(file, 'utf8').split('\n').filter(Boolean).length;

function startRouter(hosts: MeshHost[]): { router: Router; log: string[] } {
  const loaded = loadManifest(manifestText(hosts), 'give-up.yaml');
  assert.ok(loaded.ok && loaded.manifest, JSON.stringify(loaded.diagnostics));
  const log: string[] = [];
  const router = new Router(compile(loaded.manifest, { self: CLI_ARGV }), {
    log: (line) => log.push(line),
    agentLog: (host, line) => log.push(`[${host}] ${line}`),
  });
  router.start();
  return { router, log };
}

const givenUp = (host: string) => new RegExp(`^${host}: given up after ${GIVE_UP_KNOWN} identical failures, each within 5 s of its start \\(`);

describe('a host that can never start', { timeout: 60_000 }, () => {
  test('127 from the host\'s shell: a hint, given up after identical failures, started again on SIGHUP', async () => {
    const count = join(dir, 'missing.runs');
    const { router, log } = startRouter([
      { name: 'local', vip: nextVip() },
      { name: 'missing', vip: nextVip(), cmd: counted(count, 'exec nrt-no-such-command "$@"') },
    ]);
    try {
      const line = await waitFor(() => log.find((l) => givenUp('missing').test(l)), { timeoutMs: 30_000, what: `the host to be given up; log:\n${log.join('\n')}` });
      assert.match(line, /status 127, "sh: \d+: exec: nrt-no-such-command: not found"\): the command or `norouter` was not found on host missing .*norouter show-installer.*bootstrap: true.*It is not restarted until the manifest changes for this host, or on SIGHUP$/);
      assert.match(log.find((l) => /^missing: agent exited with status 127/.test(l)) ?? '', /: the command or `norouter` was not found on host missing \(status 127/);
      assert.equal(router.hostStatus('missing'), 'given-up', 'no agent running, no restart pending');
      assert.equal(runs(count), GIVE_UP_KNOWN);
      assert.equal(log.filter((l) => /^missing: restarting in/.test(l)).length, GIVE_UP_KNOWN - 1);
      // SIGHUP (run-router.ts calls this after its reload): started again, and given up again.
      router.retryGivenUp('SIGHUP');
      assert.ok(log.includes('missing: starting again (SIGHUP)'), log.join('\n'));
      await waitFor(() => log.filter((l) => givenUp('missing').test(l)).length === 2, { timeoutMs: 30_000, what: 'a second give-up' });
      assert.equal(runs(count), 2 * GIVE_UP_KNOWN);
      assert.equal(router.hostStatus('local'), 'running');
    } finally {
      await router.stop(2000);
    }
  });

  test('126 (not executable): its own hint; a change to the host\'s manifest entry starts it again', async () => {
    const count = join(dir, 'noexec.runs');
    const hosts: MeshHost[] = [
      { name: 'local', vip: nextVip() },
      { name: 'noexec', vip: nextVip(), cmd: counted(count, 'exec /etc/passwd "$@"') },
    ];
    const { router, log } = startRouter(hosts);
    try {
      const line = await waitFor(() => log.find((l) => givenUp('noexec').test(l)), { timeoutMs: 30_000, what: `the host to be given up; log:\n${log.join('\n')}` });
      assert.match(line, /status 126, "sh: \d+: exec: \/etc\/passwd: Permission denied"\): a command was found on host noexec but could not be executed \(status 126.*not executable, sits on a noexec mount, or is built for another CPU architecture/);
      // A port added to the host: CONFIG-only for a running agent, but the host given up on is
      // started again, since the change may be its fix.
      const edited = loadManifest(manifestText(hosts.map((h) => (h.name === 'noexec' ? { ...h, ports: ['8080:127.0.0.1:80'] } : h))), 'give-up.yaml');
      assert.ok(edited.ok && edited.manifest);
      await router.apply(compile(edited.manifest, { self: CLI_ARGV }));
      assert.ok(log.includes('noexec: starting again (its manifest entry changed)'), log.join('\n'));
      await waitFor(() => runs(count) > GIVE_UP_KNOWN, { timeoutMs: 10_000, what: 'a new run' });
    } finally {
      await router.stop(2000);
    }
  });

  // The copy-in route: norouter's single file on a host without Node.js. Its `#!/usr/bin/env node`
  // fails with 127, which said nothing about Node before.
  test('a copied-in norouter with no node to run it: the hint says Node.js is missing, not norouter', async () => {
    const bin = mkdtempSync(join(dir, 'bin-'));
    copyFileSync(CLI_PATH, join(bin, 'norouter'));
    chmodSync(join(bin, 'norouter'), 0o755);
    const { router, log } = startRouter([
      { name: 'local', vip: nextVip() },
      { name: 'nonode', vip: nextVip(), cmd: ['env', 'PATH=/nonexistent', join(bin, 'norouter')] },
    ]);
    try {
      const line = await waitFor(() => log.find((l) => /^nonode: agent exited with status 127/.test(l)), { timeoutMs: 20_000, what: `the first failure; log:\n${log.join('\n')}` });
      assert.match(line, /: host nonode has no `node` to run norouter \(".*env: .*node.*No such file or directory"\): norouter is a Node\.js program and needs Node\.js >= \d+\.\d+ there; install Node\.js on the host, or use `bootstrap: true`/);
    } finally {
      await router.stop(2000);
    }
  });

  test('through `norouter run`: the summary carries the hint, SIGHUP starts a given-up host again', async () => {
    const mesh = await startMesh([
      { name: 'local', vip: nextVip() },
      { name: 'missing', vip: nextVip(), cmd: ['sh', '-c', 'exec nrt-no-such-command "$@"', 'sh'] },
    ], 30_000);
    try {
      assert.match(mesh.router.output(), /^\s+missing\s.*DOWN: the command or `norouter` was not found on host missing \(status 127/m);
      await mesh.router.waitForLine(/^norouter: missing: given up after /, 30_000);
      mesh.router.child.kill('SIGHUP');
      await mesh.router.waitForLine(/^norouter: missing: starting again \(SIGHUP\)$/, 20_000);
    } finally {
      await mesh.stop();
    }
  });
});
