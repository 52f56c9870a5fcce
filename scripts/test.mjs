// Runs the test suite with Node's own test runner, TypeScript loaded through tsx.
// Usage: node scripts/test.mjs [FILE_OR_DIR…]   (default: every test/**/*.test.ts)
// Prints the runner's spec output and then one plain summary line, "N passed, N failed, N skipped".
import { spawn } from 'node:child_process';
import { readdirSync, statSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

function collect(path, out) {
  if (statSync(path).isDirectory()) {
    for (const name of readdirSync(path).sort()) collect(join(path, name), out);
  } else if (path.endsWith('.test.ts')) {
    out.push(path);
  }
  return out;
}

const args = process.argv.slice(2);
const files = (args.length ? args : ['test']).flatMap((p) => collect(p, []));
const scratch = mkdtempSync(join(tmpdir(), 'norouter-test-'));
const tap = join(scratch, 'report.tap');
const child = spawn(
  process.execPath,
  [
    '--import', 'tsx',
    '--test',
    '--test-concurrency=1',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tap}`,
    ...files,
  ],
  { stdio: 'inherit' },
);
child.on('exit', (code, signal) => {
  let text = '';
  try { text = readFileSync(tap, 'utf8'); } catch {}
  const count = (k) => Number(text.match(new RegExp(`^# ${k} (\\d+)$`, 'm'))?.[1] ?? 0);
  const passed = count('pass');
  const failed = count('fail') + count('cancelled');
  const skipped = count('skipped') + count('todo');
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  rmSync(scratch, { recursive: true, force: true });
  process.exit(code ?? (signal ? 1 : 0));
});
