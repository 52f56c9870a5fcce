// The CLI as a real child process (the built bundle): exit codes, help, output streams.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CLI = new URL('../../dist/norouter.cjs', import.meta.url).pathname;

function run(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', input, timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function withFile(text: string, fn: (path: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'norouter-cli-'));
  try {
    const path = join(dir, 'manifest.yaml');
    writeFileSync(path, text);
    fn(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('--version prints the package version', () => {
  const r = run(['--version']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^\d+\.\d+\.\d+/);
});

test('--help lists every command; every command has --help with examples', () => {
  const r = run(['--help']);
  assert.equal(r.code, 0);
  for (const c of ['run', 'plan', 'validate', 'show-example', 'show-installer', 'demo']) assert.match(r.stdout, new RegExp(`norouter ${c}`));
  for (const c of [['run'], ['plan'], ['validate'], ['show-example'], ['show-installer'], ['demo'], ['internal', 'agent']]) {
    const h = run([...c, '--help']);
    assert.equal(h.code, 0, `${c.join(' ')} --help`);
    assert.match(h.stdout, /Examples/, `${c.join(' ')} --help shows examples`);
  }
});

test('plan prints a quoted command line per host; --json prints the plan', () => {
  const r = run(['plan', 'examples/docker-podman.yaml']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^# host1 \(127\.0\.42\.101; bootstrap: sh script: .*\)\ndocker exec -i host1 sh -s internal agent --me 127\.0\.42\.101 --forward 8080:127\.0\.0\.1:80\/tcp --other 127\.0\.42\.102:8080\/tcp$/m);
  const j = run(['plan', '--json', 'examples/docker-podman.yaml']);
  assert.equal(j.code, 0);
  const plan = JSON.parse(j.stdout);
  assert.deepEqual(plan.hosts.map((h: { name: string }) => h.name), ['host0', 'host1', 'host2']);
  assert.equal(plan.hosts[0].local, true);
  assert.equal(plan.hosts[0].argv[0], process.execPath, 'the local host runs this same node');
});

test('a manifest with errors: every diagnostic on stderr, exit 1, nothing on stdout', () => {
  withFile('hosts:\n  a:\n    vip: "127.0.42.1"\n  b:\n    vip: "127.0.42.1"\n    portz: []\n', (path) => {
    for (const cmd of ['plan', 'validate', 'run']) {
      const r = run([cmd, path]);
      assert.equal(r.code, 1, `${cmd} exits 1`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /manifest\.yaml:5:10: error\[E\d+\]: .*127\.0\.42\.1/);
      assert.match(r.stderr, /manifest\.yaml:6:5: error\[E\d+\]: .*portz.*did you mean "ports"/);
    }
  });
});

test('validate: warnings only exit 0', () => {
  withFile('hosts:\n  a:\n    vip: "10.0.0.1"\n', (path) => {
    const r = run(['validate', path]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /warning\[W\d+\]/);
  });
});

test('a missing file is a clear error, exit 1', () => {
  const r = run(['plan', '/nonexistent/norouter.yaml']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /\/nonexistent\/norouter\.yaml/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace for a user error');
});

test('usage errors exit 2', () => {
  assert.equal(run(['plan']).code, 2);
  assert.equal(run(['no-such-command', 'x', 'y']).code, 2);
  assert.equal(run(['plan', '--no-such-option', 'x']).code, 2);
});

test('show-example prints a manifest that validates cleanly', () => {
  const r = run(['show-example']);
  assert.equal(r.code, 0);
  withFile(r.stdout, (path) => {
    const v = run(['validate', path]);
    assert.equal(v.code, 0, v.stderr);
    assert.equal(v.stderr, '');
  });
});

test('internal agent checks its flags and exits 2 on bad ones', () => {
  const r = run(['internal', 'agent', '--me', '300.1.1.1', '--forward', '8080:127.0.0.1']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--me: "300\.1\.1\.1" is not an IPv4 address/);
  assert.match(r.stderr, /--forward 8080:127\.0\.0\.1/);
});
