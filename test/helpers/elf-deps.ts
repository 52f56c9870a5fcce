/**
 * The shared libraries a program needs, found the way the dynamic loader finds them but in
 * process: each file's ELF headers give its loader (PT_INTERP) and the sonames it needs
 * (DT_NEEDED), and one `ldconfig -p` maps sonames to files. `ldd` gives the same answer but runs
 * the loader once per file, which costs seconds for the fifty programs of an image on a loaded
 * machine. x86-64 and little-endian 64-bit ELF only, like the images that use it.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readSync } from 'node:fs';

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const DT_NULL = 0;
const DT_NEEDED = 1;
const DT_STRTAB = 5;

interface ElfInfo {
  interp?: string;
  needed: string[];
}

/** Every file `programs` load (the loader included), as absolute paths, sorted. */
export function sharedLibraries(programs: readonly string[]): string[] {
  const cache = ldconfigCache();
  const found = new Set<string>();
  const queue = [...programs];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    const info = readElf(file);
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

function readElf(path: string): ElfInfo {
  const fd = openSync(path, 'r');
  try {
    const read = (offset: number, length: number): Buffer => {
      const b = Buffer.alloc(length);
      const n = readSync(fd, b, 0, length, offset);
      return b.subarray(0, n);
    };
    const eh = read(0, 64);
    if (eh.length < 64 || eh.readUInt32BE(0) !== 0x7f454c46) return { needed: [] }; // not ELF: a script
    if (eh[4] !== 2 || eh[5] !== 1) throw new Error(`${path}: only little-endian 64-bit ELF is handled`);
    const phoff = Number(eh.readBigUInt64LE(0x20));
    const phentsize = eh.readUInt16LE(0x36);
    const phnum = eh.readUInt16LE(0x38);
    const loads: Array<{ vaddr: number; offset: number; size: number }> = [];
    let interp: string | undefined;
    let dynamic: { offset: number; size: number } | undefined;
    for (let i = 0; i < phnum; i++) {
      const ph = read(phoff + i * phentsize, phentsize);
      const type = ph.readUInt32LE(0);
      const offset = Number(ph.readBigUInt64LE(8));
      const vaddr = Number(ph.readBigUInt64LE(16));
      const size = Number(ph.readBigUInt64LE(32));
      if (type === PT_LOAD) loads.push({ vaddr, offset, size });
      if (type === PT_INTERP) interp = read(offset, size).toString('latin1').replace(/\0.*$/s, '');
      if (type === PT_DYNAMIC) dynamic = { offset, size };
    }
    if (!dynamic) return { interp, needed: [] }; // static
    const dyn = read(dynamic.offset, dynamic.size);
    const neededOffsets: number[] = [];
    let strtab: number | undefined;
    for (let at = 0; at + 16 <= dyn.length; at += 16) {
      const tag = Number(dyn.readBigInt64LE(at));
      const value = Number(dyn.readBigUInt64LE(at + 8));
      if (tag === DT_NULL) break;
      if (tag === DT_NEEDED) neededOffsets.push(value);
      if (tag === DT_STRTAB) strtab = value;
    }
    if (strtab === undefined) return { interp, needed: [] };
    const segment = loads.find((l) => strtab! >= l.vaddr && strtab! < l.vaddr + l.size);
    if (!segment) throw new Error(`${path}: DT_STRTAB is outside every PT_LOAD segment`);
    const strtabOffset = strtab - segment.vaddr + segment.offset;
    const needed = neededOffsets.map((o) => read(strtabOffset + o, 256).toString('latin1').replace(/\0.*$/s, ''));
    return { interp, needed };
  } finally {
    closeSync(fd);
  }
}
