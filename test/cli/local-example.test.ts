/**
 * examples/local.yaml, the first example of `run --help`, run as a user of a checkout runs it
 * (`npm ci`, then the built CLI, with no norouter installed). Its second host execs `norouter`
 * inside a namespace, which was not on PATH there: that host failed at every restart while the
 * summary said "1 of 2 hosts up". Now every host is up and its web server answers through the
 * mesh. The copy differs from the example only in its VIPs: 127.0.42.x would collide with
 * concurrent runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, descendants, spawnCli, which } from '../helpers/processes.js';
import { httpGet } from '../helpers/http.js';
import { ownSubnet24 } from '../helpers/vips.js';
import { waitFor } from '../helpers/wait.js';
import { probeUserNetns } from '../../src/demo/probe-userns.js';

const probe = process.platform === 'linux' ? await probeUserNetns() : { ok: false as const, reason: 'Linux only' };
const SKIP = !probe.ok ? probe.reason : !which('python3') ? 'python3 is not installed' : false;

test('examples/local.yaml runs from a checkout: every host up, the sandbox answers', { skip: SKIP, timeout: 60_000 }, async () => {
  const subnet = ownSubnet24();
  const text = readFileSync(join(REPO_ROOT, 'examples/local.yaml'), 'utf8');
  assert.match(text, /exec norouter "\$@"/, 'the example still runs `norouter` by name inside its namespace');
  const dir = mkdtempSync(join(tmpdir(), 'norouter-local-example-'));
  const file = join(dir, 'local.yaml');
  writeFileSync(file, text.replaceAll('127.0.42.', `${subnet}.`));
  // As from a checkout: no norouter anywhere on PATH.
  const PATH = (process.env.PATH ?? '').split(':').filter((d) => d && !existsSync(join(d, 'norouter'))).join(':');
  const router = spawnCli(['run', file], { env: { ...process.env, PATH }, cwd: REPO_ROOT });
  try {
    const ready = await router.waitForLine(/^norouter: ready in \d+ ms: /, 30_000);
    assert.match(ready, /: 2 hosts up$/, router.tail());
    assert.match(router.lines.find((l) => /^\s+sandbox\s/.test(l.text))?.text ?? '', /\sup$/);
    // python3's server starts beside the agent: the first requests may come before it listens.
    const res = await waitFor(() => httpGet(`http://${subnet}.101:8080/`, 2000), { timeoutMs: 20_000, intervalMs: 200, what: 'the sandbox web server through the mesh' });
    assert.equal(res.status, 200);
    assert.match(res.body, /Directory listing|<html/i);
    // The launcher's directory comes first on the agents' PATH, and is removed when run exits.
    const launcherDir = descendants(router.pid).map((p) => {
      try {
        return /(?:^|\0)PATH=([^:\0]*norouter-self-[^:\0]*)/.exec(readFileSync(`/proc/${p.pid}/environ`, 'latin1'))?.[1];
      } catch {
        return undefined;
      }
    }).find((d) => d !== undefined);
    assert.ok(launcherDir && existsSync(join(launcherDir, 'norouter')), 'an agent has the launcher first on its PATH');
    const { code } = await router.stop('SIGINT', 10_000);
    assert.equal(code, 0, router.tail());
    assert.ok(!existsSync(launcherDir), `${launcherDir} was not removed`);
  } finally {
    if (router.running) await router.stop('SIGKILL').catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
});
