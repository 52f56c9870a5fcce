// docs/reliability.md, "Fuzzing": long fuzz runs of the frame decoder, the control messages and the
// multiplexer (the same targets as test/fuzz/*.test.ts, which run them for ~5 s in `npm test`).
//
// Usage: node --import tsx scripts/fuzz.mjs [--seconds N] [--seed S] [--target decoder|control|mux]… [--save]
//   --seconds N   time per target (default 60)
//   --seed S      first seed (default: random; printed, so a run can be repeated)
//   --save        write each new failing input to test/fixtures/fuzz/TARGET-SEED.json (commit it:
//                 test/fuzz/regressions.test.ts replays every file there)
// Exits 1 when a new failure was found; failures of the bugs listed in KNOWN_BUGS are counted apart.
import { writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TARGETS, runFor, toFixture } from '../test/fuzz/fuzz-lib.ts';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i === -1 ? fallback : args[i + 1];
};
const seconds = Number(opt('--seconds', '60'));
const firstSeed = Number(opt('--seed', String(Math.floor(Math.random() * 2 ** 31))));
const wanted = args.flatMap((a, i) => (a === '--target' ? [args[i + 1]] : []));
const targets = wanted.length ? wanted : TARGETS;
const save = args.includes('--save');
const dir = fileURLToPath(new URL('../test/fixtures/fuzz/', import.meta.url));

if (!Number.isFinite(seconds) || seconds <= 0 || !Number.isInteger(firstSeed) || targets.some((t) => !TARGETS.includes(t))) {
  console.error('usage: node --import tsx scripts/fuzz.mjs [--seconds N] [--seed S] [--target decoder|control|mux]… [--save]');
  process.exit(2);
}

let newFailures = 0;
console.log(`fuzzing ${targets.join(', ')} for ${seconds} s each from seed ${firstSeed}`);
for (const target of targets) {
  const started = Date.now();
  const { stats, failures, known, knownCount, lastSeed } = runFor(target, { ms: seconds * 1000 }, firstSeed, 20);
  const secs = (Date.now() - started) / 1000;
  console.log(`${target}: ${stats.inputs} inputs (seeds ${firstSeed}..${lastSeed}), ${(stats.bytes / 1e6).toFixed(1)} MB in ${secs.toFixed(1)} s; ${failures.length} new failures, ${knownCount} of known bugs`);
  for (const [bug, f] of known) console.log(`  known bug (first at seed ${f.seed}): ${bug}`);
  for (const f of failures) {
    newFailures++;
    console.log(`  FAILURE seed ${f.seed}: ${f.problem.split('\n')[0]}`);
    if (save) {
      mkdirSync(dir, { recursive: true });
      const file = `${dir}${target}-${f.seed}.json`;
      writeFileSync(file, `${JSON.stringify(toFixture(f), null, 1)}\n`);
      console.log(`    saved ${file}`);
    }
  }
  if (save) {
    for (const f of known.values()) {
      mkdirSync(dir, { recursive: true });
      const file = `${dir}${target}-${f.seed}.json`;
      writeFileSync(file, `${JSON.stringify(toFixture(f), null, 1)}\n`);
      console.log(`    saved ${file} (known bug)`);
    }
  }
}
process.exitCode = newFailures ? 1 : 0;
