/**
 * `npm start` (`norouter demo`), end to end: the built CLI builds its mesh, prints curl commands
 * once they work, one of them is run for real, and SIGINT stops everything and removes the temp
 * dir. As root (CI), the demo runs as `nobody` to prove it needs no privilege.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { CLI_ARGV, FollowedProcess, descendants, run, waitForGone, which } from '../helpers/processes.js';
import { httpGet } from '../helpers/http.js';
import { ownSubnet24 } from '../helpers/vips.js';

const NOBODY = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];

/** argv prefix that drops root, when we are root and the unprivileged user can run the CLI. */
async function unprivileged(): Promise<string[]> {
  if (process.getuid?.() !== 0 || !which('setpriv')) return [];
  const probe = await run([...NOBODY, ...CLI_ARGV, '--version'], { timeoutMs: 10_000 }).catch(() => undefined);
  return probe?.code === 0 ? NOBODY : [];
}

async function demo(env: NodeJS.ProcessEnv, expectNamespaces: boolean): Promise<void> {
  const prefix = await unprivileged();
  const proc = new FollowedProcess([...prefix, ...CLI_ARGV, 'demo', '--subnet', ownSubnet24()], { env: { ...process.env, ...env }, cwd: '/' });
  try {
    const manifestLine = await proc.waitForLine(/^norouter demo: manifest: /, 15_000);
    const manifest = manifestLine.replace(/^norouter demo: manifest: /, '');
    const verdict = await proc.waitForLine(/Ctrl-C stops|not every host answered/, 30_000);
    // The failed polls flood the log with dial errors; the cause is among the other lines.
    const telling = proc.lines.filter((l) => !/dial .* failed|reset by peer/.test(l.text)).map((l) => l.text);
    assert.match(verdict, /Ctrl-C stops/, telling.slice(-30).join('\n'));
    const curls = proc.lines.map((l) => /^\s+curl (http:\/\/\S+)$/.exec(l.text)?.[1]).filter((u): u is string => u !== undefined);
    assert.ok(curls.length >= 2, `expected at least two curl lines:\n${proc.output()}`);
    assert.equal(proc.output().includes('no network namespaces'), !expectNamespaces, proc.output());
    // The last host is a namespaced one when namespaces work: the interesting path.
    const url = curls.at(-1)!;
    const curl = await run(['curl', '-sS', '--noproxy', '*', '--max-time', '5', url]);
    assert.equal(curl.code, 0, `${url}: ${curl.stderr}`);
    assert.match(curl.stdout, /^hello from /);
    for (const other of curls) assert.match((await httpGet(other)).body, /^hello from /);

    const tree = descendants(proc.pid);
    const { code, signal } = await proc.stop('SIGINT', 10_000);
    assert.deepEqual({ code, signal }, { code: 0, signal: null }, proc.tail());
    await waitForGone(tree, 5000);
    assert.ok(!existsSync(manifest), `${manifest} was not removed`);
  } finally {
    // SIGINT, not SIGKILL: the demo removes its temp dir only when it gets to clean up.
    if (proc.running) await proc.stop('SIGINT', 10_000).catch(() => {});
  }
}

test('norouter demo: namespaced hosts, curl works, SIGINT cleans up', { timeout: 45_000, skip: process.platform !== 'linux' && 'Linux only' }, async () => {
  await demo({}, true);
});

test('norouter demo without namespaces: the fallback says so and works', { timeout: 45_000, skip: process.platform !== 'linux' && 'Linux only' }, async () => {
  await demo({ NOROUTER_DEMO_NO_NAMESPACES: '1' }, false);
});
