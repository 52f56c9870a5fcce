/**
 * StatusService.moveMetrics when reloads come quickly: moves are done one after another, so the
 * metrics end where the last reload asked and every other listener is closed; a move still under
 * way when the service closes leaves nothing listening. Real HTTP listeners on port 0.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { StatusService } from '../../src/status/status-service.js';
import { httpGet } from '../helpers/http.js';

const dir = mkdtempSync(join(tmpdir(), 'nrt-metrics-move-'));
const xdg = join(dir, 'xdg');
mkdirSync(xdg, { mode: 0o700 });
const savedXdg = process.env.XDG_RUNTIME_DIR;
process.env.XDG_RUNTIME_DIR = xdg;
after(() => {
  if (savedXdg === undefined) delete process.env.XDG_RUNTIME_DIR;
  else process.env.XDG_RUNTIME_DIR = savedXdg;
  rmSync(dir, { recursive: true, force: true });
});

async function get(url: string): Promise<number | string> {
  try {
    return (await httpGet(url)).status;
  } catch (error) {
    return ((error as Error).cause as NodeJS.ErrnoException | undefined)?.code ?? (error as Error).message;
  }
}

async function service(name: string, lines: string[]): Promise<StatusService> {
  const s = await StatusService.start({ manifest: join(dir, name), version: 'test', metrics: '127.0.0.1:0', stdout: new PassThrough(), colour: false, log: (l) => lines.push(l) });
  assert.ok(s.ok, s.ok ? '' : s.message);
  return s.service;
}

const urls = (lines: string[]) => lines.flatMap((l) => /http:\/\/\S+\/metrics/.exec(l)?.[0] ?? []);

test('two quick moves: the metrics end at the second address, the first and the original closed', async () => {
  const lines: string[] = [];
  const s = await service('a.yaml', lines);
  try {
    await Promise.all([s.moveMetrics('127.0.0.2:0'), s.moveMetrics('127.0.0.3:0')]);
    const all = urls(lines);
    assert.equal(all.length, 3, lines.join('\n'));
    assert.match(s.metricsWhere, /^at http:\/\/127\.0\.0\.3:/);
    const served = await Promise.all(all.map(get));
    assert.deepEqual(served, ['ECONNREFUSED', 'ECONNREFUSED', 200], lines.join('\n'));
  } finally {
    s.close();
  }
});

test('a move back to where the metrics were, asked while the first move runs: they end there', async () => {
  const lines: string[] = [];
  const s = await service('b.yaml', lines);
  try {
    await Promise.all([s.moveMetrics('127.0.0.2:0'), s.moveMetrics('127.0.0.1:0')]);
    assert.match(s.metricsWhere, /^at http:\/\/127\.0\.0\.1:/, lines.join('\n'));
    const served = await Promise.all(urls(lines).map(get));
    assert.equal(served.filter((x) => x === 200).length, 1, `one listener serves: ${lines.join('\n')}`);
  } finally {
    s.close();
  }
});

test('close() while a move runs: nothing is left listening', async () => {
  const lines: string[] = [];
  const s = await service('c.yaml', lines);
  const moving = s.moveMetrics('127.0.0.2:0');
  s.close();
  await moving;
  assert.equal(s.metricsWhere, 'off');
  for (const url of urls(lines)) assert.equal(await get(url), 'ECONNREFUSED', `${url}: ${lines.join('\n')}`);
});
