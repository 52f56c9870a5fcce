/**
 * docs/reliability.md, "Fuzzing": bounded fuzz runs of the frame decoder, the control messages
 * and the multiplexer: a fixed number of inputs each (a few seconds in all on a quiet machine),
 * so that what is checked does not depend on how busy the machine is. The invariants are in fuzz-lib.ts; longer runs:
 * `node --import tsx scripts/fuzz.mjs --seconds N [--save]`. Seeds are fixed so that `npm test` is
 * deterministic (set NOROUTER_FUZZ_SEED to explore others); a failure names its seed, and `--save`
 * turns it into a fixture under test/fixtures/fuzz/ that regressions.test.ts replays.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFor, type Target } from './fuzz-lib.js';

const BASE_SEED = Number(process.env.NOROUTER_FUZZ_SEED ?? 20_240_801);
const INPUTS: Record<Target, number> = { decoder: 600, control: 500, mux: 1000 };

for (const target of ['decoder', 'control', 'mux'] as const) {
  const what = {
    decoder: 'the frame decoder: no throw, no hang, memory ≤ one frame, dead after its first error, same frames however the input is chunked',
    control: 'the control messages: decodeControl never throws and what it decodes re-encodes to the same message',
    mux: 'the multiplexer fed decoded frames of mutated streams: ProtocolErrors, never a throw; credit within bounds',
  }[target];
  // The timeout only turns a hang into a failure: a loaded machine may take ten times as long.
  test(`fuzz ${what}`, { timeout: 180_000 }, (t) => {
    const { stats, failures, knownCount, lastSeed } = runFor(target, { inputs: INPUTS[target] }, BASE_SEED);
    const first = failures[0];
    assert.equal(failures.length, 0, first && `seed ${first.seed} (of ${BASE_SEED}..${lastSeed}): ${first.problem}\n` +
      `reproduce and save it: node --import tsx scripts/fuzz.mjs --target ${target} --seed ${first.seed} --seconds 1 --save`);
    assert.equal(stats.inputs, INPUTS[target], 'every input ran');
    // Known bugs are counted, not failed on: each has a fixture replayed as a todo test in
    // regressions.test.ts.
    t.diagnostic(`${stats.inputs} inputs, ${(stats.bytes / 1e6).toFixed(1)} MB, seeds ${BASE_SEED}..${lastSeed}, ${knownCount} inputs of known bugs`);
  });
}

