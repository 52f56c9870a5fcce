/**
 * The manifest's `metrics.listen` follows a reload (docs/status.md, "Metrics"): `norouter run
 * --watch` moves the metrics to a changed address, keeps them where they were (and says why)
 * when the new address cannot be served, and stops serving them when the section goes. Real
 * router, real watcher, real HTTP.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manifestText } from '../helpers/mesh.js';
import { spawnCli } from '../helpers/processes.js';
import { httpGet } from '../helpers/http.js';
import { nextVip } from '../helpers/vips.js';

const dir = mkdtempSync(join(tmpdir(), 'nrt-metrics-reload-'));
const env = { ...process.env, XDG_RUNTIME_DIR: join(dir, 'xdg') };
mkdirSync(env.XDG_RUNTIME_DIR, { mode: 0o700 });
after(() => rmSync(dir, { recursive: true, force: true }));

/** `GET url`: the status, or the connection error's code. */
async function get(url: string): Promise<number | string> {
  try {
    return (await httpGet(url)).status;
  } catch (error) {
    return ((error as Error).cause as NodeJS.ErrnoException | undefined)?.code ?? (error as Error).message;
  }
}

test('norouter run --watch: metrics.listen moves with the manifest, stays on a failed move, stops when removed', { timeout: 60_000 }, async () => {
  const file = join(dir, 'mesh.yaml');
  const hosts = [{ name: 'local', vip: nextVip() }];
  const write = (listen?: string) => writeFileSync(file, manifestText(hosts, listen ? { metrics: { listen } } : {}));
  write('127.0.0.1:0');
  const router = spawnCli(['run', '--watch', file], { env });
  // Something else holds an address the manifest will ask for.
  const squatter = createServer();
  squatter.listen(0, '127.0.0.3');
  await once(squatter, 'listening');
  try {
    const first = (await router.waitForLine(/^norouter: metrics at http:\/\/127\.0\.0\.1:\d+\/metrics$/, 20_000)).replace(/^norouter: metrics at /, '');
    await router.waitForLine(/^norouter: watching .* for changes$/, 20_000);
    assert.equal(await get(first), 200);

    write('127.0.0.2:0');
    const moved = (await router.waitForLine(/^norouter: metrics moved: now at http:\/\/127\.0\.0\.2:\d+\/metrics$/, 20_000)).replace(/^norouter: metrics moved: now at /, '');
    assert.equal(await get(moved), 200);
    assert.equal(await get(first), 'ECONNREFUSED', 'the old address is closed');

    const taken = `127.0.0.3:${(squatter.address() as AddressInfo).port}`;
    write(taken);
    const line = await router.waitForLine(/^norouter: metrics: cannot serve metrics on /, 20_000);
    assert.equal(line, `norouter: metrics: cannot serve metrics on ${taken}: EADDRINUSE; they stay at ${moved}`);
    assert.equal(await get(moved), 200, 'still served where they were');

    write(undefined);
    await router.waitForLine(/^norouter: metrics: no longer served \(metrics\.listen left the manifest\)$/, 20_000);
    assert.equal(await get(moved), 'ECONNREFUSED');
  } finally {
    squatter.close();
    await router.stop('SIGTERM', 10_000);
  }
});

test('norouter run --metrics: the command line wins over a reloaded metrics.listen, and the log says so', { timeout: 60_000 }, async () => {
  const file = join(dir, 'flag.yaml');
  const hosts = [{ name: 'local', vip: nextVip() }];
  writeFileSync(file, manifestText(hosts, { metrics: { listen: '127.0.0.1:0' } }));
  const router = spawnCli(['run', '--watch', '--metrics', '127.0.0.4:0', file], { env });
  try {
    const url = (await router.waitForLine(/^norouter: metrics at http:\/\/127\.0\.0\.4:\d+\/metrics$/, 20_000)).replace(/^norouter: metrics at /, '');
    await router.waitForLine(/^norouter: watching .* for changes$/, 20_000);
    writeFileSync(file, manifestText(hosts, { metrics: { listen: '127.0.0.2:0' } }));
    await router.waitForLine(/^norouter: metrics stay at /, 20_000).then((line) => {
      assert.equal(line, `norouter: metrics stay at ${url}: --metrics wins over the manifest's metrics.listen`);
    });
    assert.equal(await get(url), 200);
  } finally {
    await router.stop('SIGTERM', 10_000);
  }
});
