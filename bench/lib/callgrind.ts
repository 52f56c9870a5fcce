/**
 * What the instruction benchmarks (bench/accounting-instructions.ts, bench/mesh-instructions.ts)
 * ask of valgrind's callgrind: to switch counting on and dump in a running process, and a dump's
 * instructions with V8's compilers left out. TurboFan still optimizes (and re-optimizes) code
 * long after a warm-up, 30 to 65% of a phase, and how much of it falls into a phase differs from
 * run to run by more than the changes these benchmarks compare.
 */
import { spawnSync } from 'node:child_process';

/** callgrind_control talks to the process's valgrind through vgdb; it returns once the command is done. */
export function callgrindControl(pid: number | undefined, args: string[]): void {
  const r = spawnSync('callgrind_control', [...args, String(pid)], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`callgrind_control ${args.join(' ')} ${pid} failed: ${r.stderr || r.stdout}`);
}

/** The dump's instructions, those of V8's compilers among them (by function name), and the rest. */
export function excludingCompiler(file: string): { total: number; compiler: number; run: number } {
  const r = spawnSync('callgrind_annotate', ['--threshold=100', file], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`callgrind_annotate ${file} failed: ${r.stderr}`);
  let total = 0;
  let compiler = 0;
  for (const line of r.stdout.split('\n')) {
    const m = /^\s*([\d,]+)\s+(?:\([^)]*\)\s+)?(.*)$/.exec(line);
    if (!m) continue;
    const n = Number(m[1]!.replace(/,/g, ''));
    if (m[2]!.startsWith('PROGRAM TOTALS')) total = n;
    else if (/v8::internal::(compiler|maglev|baseline)::/.test(m[2]!)) compiler += n;
  }
  return { total, compiler, run: total - compiler };
}
