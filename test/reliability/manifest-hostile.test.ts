/**
 * docs/reliability.md, "Manifest loader": the manifest loader under random and huge YAML. Each case runs the real
 * CLI (`node dist/norouter.cjs validate FILE`) under /usr/bin/time and checks a clear error
 * (exit 1 with a diagnostic code, never the internal-error exit 70 with a stack) and bounded
 * memory: it runs with its JS heap capped at HEAP_CAP_MB, so whatever it keeps alive at once must
 * fit (a copy per diagnostic, a document of every alias expanded, a quadratic plan do not).
 * Random YAML is fed in-process to loadManifest, which must never throw. Figures:
 * docs/reliability.md.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_ARGV, run, which } from '../helpers/processes.js';
import { loadManifest } from '../../src/manifest/load.js';
import { prng } from '../protocol/prng.js';

/**
 * A manifest is kilobytes. The cap leaves room for a 16 MiB file (the loader's limit, E105) parsed
 * as text, and none for a copy per diagnostic. These tests once compared peak RSS with a margin
 * (200 MB): RSS counts garbage not yet collected, which grows when the collector's threads are
 * starved on a busy machine. With the heap capped, V8 collects before it grows past the cap, and
 * only memory the process really keeps can exhaust it (it then aborts: no exit 1).
 */
const HEAP_CAP_MB = 96;
const TIME = which('/usr/bin/time');
const skip = TIME ? undefined : '/usr/bin/time (GNU time) is not installed';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'nrt-hostile-yaml-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

interface Measured {
  code: number | null;
  stderr: string;
  rssKb: number;
  ms: number;
}

/** Runs `norouter validate` on `text`, measuring its peak RSS (GNU time's %M, in KB). */
async function validate(name: string, text: string | Buffer, timeoutMs = 20_000): Promise<Measured> {
  const file = join(dir, name);
  writeFileSync(file, text);
  const rssFile = join(dir, `${name}.rss`);
  const started = Date.now();
  const [node, cli] = CLI_ARGV as [string, string];
  const r = await run(['/usr/bin/time', '-o', rssFile, '-f', '%M', node, `--max-old-space-size=${HEAP_CAP_MB}`, cli, 'validate', file], { timeoutMs });
  const rssKb = Number(readFileSync(rssFile, 'utf8').trim().split('\n').at(-1));
  return { code: r.code, stderr: r.stderr, rssKb, ms: Date.now() - started };
}

function assertClearError(m: Measured, code: RegExp): void {
  assert.notEqual(m.code, 70, `internal error instead of a diagnostic:\n${m.stderr.slice(0, 600)}`);
  const oom = /heap limit|out of memory/i.test(m.stderr) ? ` (it ran out of its ${HEAP_CAP_MB} MB heap; peak RSS ${Math.round(m.rssKb / 1024)} MB)` : '';
  assert.equal(m.code, 1, `exit ${m.code}${oom}:\n${m.stderr.slice(0, 600)}`);
  assert.match(m.stderr.slice(0, 4000), code);
}

/** A "billion laughs" document: 10 levels of 10 aliases each, 10^10 nodes if expanded. */
function billionLaughs(): string {
  let s = 'a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n';
  for (let i = 1; i < 10; i++) s += `a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]\n`;
  return `${s}hosts:\n  h1:\n    vip: 127.0.42.1\n    ports: *a9\n`;
}

/** `hosts:` and `n` hosts, each with a cmd and a port (valid: every host publishes to every other). */
function manyHosts(n: number): string {
  let s = 'hosts:\n';
  for (let i = 0; i < n; i++) {
    s += `  host${i}:\n    vip: 127.${1 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}\n`;
    s += `    cmd: [ssh, h${i}, --]\n    ports: ["8080:127.0.0.1:80"]\n`;
  }
  return s;
}

describe('the manifest loader under hostile YAML', { skip, timeout: 60_000 }, () => {
  test('billion laughs (10^10 nodes through aliases) is E104, in bounded memory', async () => {
    assertClearError(await validate('laughs.yaml', billionLaughs()), /error\[E104\]/);
  });

  test('a 50 MB file of ordinary lines is E105 (over the 16 MiB limit), in bounded memory', async () => {
    const line = '# padding padding padding padding padding padding padding padding\n';
    const m = await validate('lines-50mb.yaml', `hosts: {}\n${line.repeat(Math.ceil((50 << 20) / line.length))}`);
    assertClearError(m, /error\[E105\]/);
  });

  // Regression: the E105 diagnostic quoted line 1 in full. A 50 MB file whose first line is 16 MiB
  // (minified JSON, a binary) made `validate` write 16 MB to stderr and peak near 1 GB of RSS.
  test('a 50 MB file of one line is E105 with a short excerpt, in bounded memory', async () => {
    const m = await validate('one-line-50mb.yaml', `# ${'x'.repeat(50 << 20)}\n`);
    assertClearError(m, /error\[E105\]/);
    assert.ok(m.stderr.length < 10_000, `${m.stderr.length} bytes of diagnostics for one error`);
  });

  // Regression: yaml's composer recurses once per nesting level; 10,000 levels overflowed the
  // stack and the CLI reported an internal error (exit 70, RangeError); now E108.
  for (const [name, text] of [
    ['10,000 nested [', `hosts: ${'['.repeat(10_000)}\n`],
    ['10,000 nested [ … ]', `hosts: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`],
    ['10,000 nested {a: …}', `hosts: ${'{a: '.repeat(10_000)}1${'}'.repeat(10_000)}\n`],
  ] as const) {
    test(`${name} is a diagnostic, not an internal error`, async () => {
      assertClearError(await validate(`deep-${name.length}.yaml`, text), /error\[E\d{3}\]/);
    });
  }

  test('nesting 500 deep is handled (a diagnostic, exit 1)', async () => {
    assertClearError(await validate('deep-500.yaml', `hosts: ${'['.repeat(500)}${']'.repeat(500)}\n`), /error\[E\d{3}\]/);
  });

  // Regression (docs/reliability.md, bug 6c): the plan is quadratic (every agent gets an --other for every
  // port of every other host) and nothing bounded it: 5,000 hosts (450 KB of YAML) peaked at
  // 0.7 GB, 8,000 at 1.6 GB, and 32,000 (3 MB) ran out of heap and aborted after a minute. Each
  // agent's command line is now bounded (E318, 120 KiB), computed before the plan is built.
  test('5,000 hosts each publishing a port are refused with E318, in bounded memory', async () => {
    const m = await validate('many-hosts.yaml', manyHosts(5000));
    assertClearError(m, /error\[E318\]: the agent command line of host "host\d+" \(and 4999 more of the 5000 hosts\)/);
  });

  // E318 is placed from the text on the fast path: yaml's document of this file alone is 430 MB
  // and took 23 s. The heap cap tells the fast path from that; no clock is needed.
  test('32,000 hosts each publishing a port are refused with E318, in bounded memory', async () => {
    const m = await validate('many-hosts-32k.yaml', manyHosts(32_000));
    assertClearError(m, /error\[E318\]/);
  });

  // A fixed set of seeds: a loop bounded by the clock tried fewer inputs on a busy machine, and
  // its `inputs > 100` check failed there with nothing wrong.
  test('random YAML never makes loadManifest throw (in-process, 1,000 seeded inputs)', () => {
    const tokens = ['hosts:', 'vip:', 'cmd:', 'ports:', '\n', '\n  ', '\n    ', '- ', '[', ']', '{', '}', ',', ': ', '&a ', '*a', '!!str ', '!!binary ',
      '"', "'", '#', '---\n', '...', '|', '>', '? ', '127.0.42.1', '8080:127.0.0.1:80', '-1', '1e999', 'null', '~', '\t', '\\u0000', '%YAML 1.2\n', '<<: *a'];
    for (let seed = 1; seed <= 1000; seed++) {
      const r = prng(seed);
      let text = '';
      const n = r.int(1, 80);
      for (let i = 0; i < n; i++) text += r.next() < 0.9 ? r.pick(tokens) : String.fromCharCode(r.int(0, 0x2fff));
      try {
        loadManifest(text, 'random.yaml');
      } catch (error) {
        assert.fail(`seed ${seed}: loadManifest threw on ${JSON.stringify(text)}: ${(error as Error).stack}`);
      }
    }
  });
});
