/**
 * The shell route (docs/protocol.md §12.1) against real shells on this machine: dash, busybox
 * ash and bash, each reading the script from a pipe. The script must hand the rest of stdin to
 * node untouched however the shell buffers its input (dash and busybox read blocks), so each
 * run ends with the bootstrapped CLI printing `show-example` on the same pipes. Without a node on
 * PATH the router's runtime is sent into a fresh cache, reused on the next start, and sent
 * again when a cached file was changed.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_PATH, which } from '../helpers/processes.js';
import { withTimeout } from '../helpers/wait.js';
import { EXAMPLE_MANIFEST } from '../../src/cli/example-manifest.js';
import { encodeBootstrap } from '../../src/bootstrap/payload.js';
import { memoRuntimeSource, routerRuntime, runtimeFor, type RuntimeSource } from '../../src/bootstrap/runtime-provider.js';
import { describeRuntime, runtimeLayout } from '../../src/bootstrap/runtime-files.js';
import { runShellSession, type ShellOutcome } from '../../src/bootstrap/shell-session.js';

const BUSYBOX = which('busybox');
const SHELLS: [string, string[] | undefined][] = [
  ['dash', which('dash') ? [which('dash') ?? ''] : undefined],
  ['busybox ash', BUSYBOX ? [BUSYBOX, 'sh'] : undefined],
  ['bash', which('bash') ? [which('bash') ?? ''] : undefined],
];
const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nrt-shell-'));
  dirs.push(dir);
  return dir;
}

/** A PATH with busybox's tools and no node: a host like Alpine, as far as the script can tell. */
function bareBin(): string {
  const bin = join(tempDir(), 'bin');
  mkdirSync(bin);
  for (const tool of ['uname', 'dd', 'gzip', 'tar', 'sha256sum', 'ln', 'mkdir', 'mktemp', 'rm', 'mv', 'chmod', 'cat', 'ls', 'stat', 'id', 'sh']) {
    symlinkSync(BUSYBOX ?? '/bin/false', join(bin, tool));
  }
  return bin;
}

interface Started {
  outcome: ShellOutcome;
  /** Everything the process wrote after the script handed over, until it exited. */
  rest: string;
  code: number | null;
  log: string[];
}

/** Runs `shell -s show-example` through the shell route, as the router would. */
async function start(shell: readonly string[], env: NodeJS.ProcessEnv, cacheDir?: string, source: RuntimeSource = routerRuntime(), expectCode = 0): Promise<Started> {
  const [file = '', ...args] = shell;
  const child = spawn(file, [...args, '-s', 'show-example'], { stdio: ['pipe', 'pipe', 'pipe'], env });
  child.stdin.on('error', () => {});
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const log: string[] = [];
  const outcome = await runShellSession({
    host: 'h', stdin: child.stdin, stdout: child.stdout, source,
    agentStream: encodeBootstrap(readFileSync(CLI_PATH)), log: (line) => log.push(line), abort: () => child.kill('SIGKILL'),
    ...(cacheDir !== undefined ? { cacheDir } : {}),
  });
  let rest = '';
  child.stdout.on('data', (c: Buffer) => { rest += c.toString(); });
  child.stdout.resume();
  // Like an agent, the bootstrapped CLI keeps reading its stdin until it ends.
  child.stdin.end();
  const code = await withTimeout(exited, 60_000, 'the bootstrapped CLI to exit');
  assert.equal(code, expectCode, `${shell.join(' ')} exited ${code}: ${stderr}`);
  return { outcome, rest, code, log: [...log, ...stderr.split('\n').filter(Boolean)] };
}

for (const [name, shell] of SHELLS) {
  describe(`the shell route through ${name}`, { skip: shell ? (BUSYBOX ? undefined : 'busybox is not installed') : `${name} is not installed`, timeout: 300_000 }, () => {
    test('a host with node: the script execs it, and the CLI reads its code from the same stdin', async () => {
      const home = tempDir();
      const r = await start(shell ?? [], { PATH: `${join(process.execPath, '..')}:/usr/bin:/bin`, HOME: home });
      assert.deepEqual(r.outcome.ok && r.outcome.route, 'node');
      assert.equal(r.rest, EXAMPLE_MANIFEST);
      // Nothing written on a host with node.
      assert.deepEqual(readdirSync(home), []);
    });

    test('no node: the runtime is sent once, reused, and sent again after a cached file changed', async () => {
      const cache = tempDir();
      const env = { PATH: bareBin(), XDG_CACHE_HOME: cache, HOME: tempDir() };
      const first = await start(shell ?? [], env);
      assert.ok(first.outcome.ok && first.outcome.route === 'runtime' && first.outcome.uploaded, JSON.stringify(first.outcome));
      assert.equal(first.rest, EXAMPLE_MANIFEST);
      const second = await start(shell ?? [], env);
      assert.ok(second.outcome.ok && second.outcome.route === 'runtime' && !second.outcome.uploaded, JSON.stringify(second.outcome));
      assert.equal(second.rest, EXAMPLE_MANIFEST);
      // A cached library changed (appended to: its ctime and size change): checked, removed, sent again.
      const dir = join(cache, 'norouter');
      const link = readdirSync(dir).find((n) => n.startsWith('rt-')) ?? '';
      const lib = readdirSync(join(dir, link)).find((n) => n.startsWith('libc.so')) ?? '';
      appendFileSync(join(dir, link, lib), 'x');
      const third = await start(shell ?? [], env);
      assert.ok(third.outcome.ok && third.outcome.uploaded, JSON.stringify(third.outcome));
      assert.match(third.log.join('\n'), /was damaged; it was removed and is sent again/);
      assert.equal(third.rest, EXAMPLE_MANIFEST);
      assert.equal(readdirSync(dir).filter((n) => n.startsWith('.rt-')).length, 1);
    });

    // A cleaner of /tmp (systemd-tmpfiles) removed the runtime a cache link pointed at: the
    // dangling link counted as absent, but `ln` then failed on its name, so every start sent the
    // runtime again and left one more unlinked copy behind.
    test('a link whose runtime was removed is replaced: sent once more, then reused, no copy left', async () => {
      const cache = tempDir();
      const env = { PATH: bareBin(), XDG_CACHE_HOME: cache, HOME: tempDir() };
      const first = await start(shell ?? [], env);
      assert.ok(first.outcome.ok && first.outcome.uploaded, JSON.stringify(first.outcome));
      const dir = join(cache, 'norouter');
      const link = readdirSync(dir).find((n) => n.startsWith('rt-')) ?? '';
      rmSync(join(dir, readlinkSync(join(dir, link))), { recursive: true, force: true });
      const second = await start(shell ?? [], env);
      assert.ok(second.outcome.ok && second.outcome.uploaded, JSON.stringify(second.outcome));
      assert.equal(second.rest, EXAMPLE_MANIFEST);
      assert.ok(existsSync(join(dir, link, 'node')), 'the name points at the new runtime');
      const third = await start(shell ?? [], env);
      assert.ok(third.outcome.ok && !third.outcome.uploaded, JSON.stringify(third.outcome));
      assert.equal(readdirSync(dir).filter((n) => n.startsWith('.rt-')).length, 1);
    });
  });
}

describe('the manifest\'s bootstrapCache', { skip: which('dash') && BUSYBOX ? undefined : 'dash or busybox is not installed', timeout: 120_000 }, () => {
  test('the runtime goes into the named directory, and nothing else is tried', async () => {
    const xdg = tempDir();
    const named = join(tempDir(), 'rt');
    const env = { PATH: bareBin(), XDG_CACHE_HOME: xdg, HOME: tempDir() };
    const r = await start([which('dash') ?? ''], env, named);
    assert.ok(r.outcome.ok && r.outcome.route === 'runtime' && r.outcome.detail.startsWith(`${named}/`), JSON.stringify(r.outcome));
    assert.deepEqual(readdirSync(xdg), []);
    assert.equal(readdirSync(named).filter((n) => n.startsWith('rt-')).length, 1);
  });
});

describe('a runtime for another architecture', { skip: which('dash') && BUSYBOX ? undefined : 'dash or busybox is not installed', timeout: 120_000 }, () => {
  test('a host whose CPU is not the runtime\'s: status 81 and one line naming both, before anything is sent', async () => {
    // This machine's runtime, labelled for another CPU: what the script compares with uname -m.
    const real = await describeRuntime();
    const foreign = memoRuntimeSource(async () => ({ ...real, arch: real.arch === 'aarch64' ? 'x86_64' : 'aarch64' }));
    const r = await start([which('dash') ?? ''], { PATH: bareBin(), XDG_CACHE_HOME: tempDir(), HOME: tempDir() }, undefined, foreign, 81);
    assert.equal(r.outcome.ok, false);
    assert.match(r.log.at(-1) ?? '', /^norouter bootstrap: this host's CPU is \S+, the router's Node runtime is for (?:aarch64|x86_64), and it has no node$/);
  });

  test('bootstrapRuntime: the directory\'s files are what the host gets and runs', async () => {
    const dir = join(tempDir(), 'rt');
    mkdirSync(dir);
    for (const f of runtimeLayout()) copyFileSync(f.path, join(dir, f.name));
    const cache = tempDir();
    const r = await start([which('dash') ?? ''], { PATH: bareBin(), XDG_CACHE_HOME: cache, HOME: tempDir() }, undefined, runtimeFor(dir));
    assert.ok(r.outcome.ok && r.outcome.route === 'runtime' && r.outcome.uploaded, JSON.stringify(r.outcome));
    assert.equal(r.rest, EXAMPLE_MANIFEST);
    const link = readdirSync(join(cache, 'norouter')).find((n) => n.startsWith('rt-')) ?? '';
    assert.deepEqual(readdirSync(join(cache, 'norouter', link)).filter((n) => !n.startsWith('.')).sort(), [...readdirSync(dir), 'SHA256SUMS'].sort());
  });
});
