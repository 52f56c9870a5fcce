/**
 * The shared libraries a program needs, found the way the dynamic loader finds them but in
 * process: each file's ELF headers give its loader (PT_INTERP) and the sonames it needs
 * (DT_NEEDED), read by the product's own reader (src/bootstrap/elf.ts), and one `ldconfig -p`
 * maps sonames to files. `ldd` gives the same answer but runs the loader once per file, which
 * costs seconds for the fifty programs of an image on a loaded machine. x86-64 only, like the
 * images that use it.
 */
import { spawnSync } from 'node:child_process';
import { readElfInfo } from '../../src/bootstrap/elf.js';

/** Every file `programs` load (the loader included), as absolute paths, sorted. */
export function sharedLibraries(programs: readonly string[]): string[] {
  const cache = ldconfigCache();
  const found = new Set<string>();
  const queue = [...programs];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    // Not a 64-bit little-endian ELF file: a script, which loads nothing itself.
    const info = readElfInfo(file);
    if (!info) continue;
    if (info.interp && !found.has(info.interp)) found.add(info.interp);
    for (const soname of info.needed) {
      const path = cache.get(soname);
      if (!path) throw new Error(`${file} needs ${soname}, which ldconfig does not know`);
      if (found.has(path)) continue;
      found.add(path);
      queue.push(path);
    }
  }
  return [...found].sort();
}

/** soname → path of the x86-64 libraries in the loader's cache (`ldconfig -p`). */
function ldconfigCache(): Map<string, string> {
  const out = spawnSync('ldconfig', ['-p'], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`ldconfig -p failed: ${out.stderr || out.error?.message}`);
  const map = new Map<string, string>();
  for (const line of out.stdout.split('\n')) {
    const m = /^\s+(\S+) \(([^)]*)\) => (\/\S+)$/.exec(line);
    if (m && m[2]!.includes('x86-64') && !map.has(m[1]!)) map.set(m[1]!, m[3]!);
  }
  return map;
}
