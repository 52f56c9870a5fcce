/**
 * What the runtime bundle (runtime-files.ts) needs from an ELF file: the dynamic loader an
 * executable asks for (PT_INTERP) and the name a shared library is looked up by (DT_SONAME).
 * The loader finds `libstdc++.so.6` under `--library-path`, while /proc/self/maps names the file
 * it opened, `libstdc++.so.6.0.30`: each library is sent under its soname. The sonames a file
 * needs (DT_NEEDED) come with them, read from the same dynamic section.
 *
 * 64-bit little-endian only (x86-64, aarch64: what Node ships for Linux); anything else yields
 * undefined and the caller falls back to the file's own name.
 */
import { closeSync, openSync, readSync } from 'node:fs';

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const DT_NULL = 0n;
const DT_NEEDED = 1n;
const DT_STRTAB = 5n;
const DT_SONAME = 14n;
/** Program headers and dynamic sections are small; a header claiming more is not read. */
const MAX_TABLE = 1 << 20;

export interface ElfInfo {
  interp?: string;
  soname?: string;
  /** The sonames the file needs (DT_NEEDED), in order; empty for a static executable. */
  needed: string[];
  /** e_machine: 62 x86-64, 183 aarch64. */
  machine: number;
}

/** A name in the string table is at most this long here (sonames are short). */
const MAX_NAME = 256;

export function readElfInfo(path: string): ElfInfo | undefined {
  const fd = openSync(path, 'r');
  try {
    const read = (offset: number, length: number): Buffer => {
      const buf = Buffer.alloc(length);
      const n = readSync(fd, buf, 0, length, offset);
      return buf.subarray(0, n);
    };
    const head = read(0, 64);
    if (head.length < 64 || head.readUInt32BE(0) !== 0x7f454c46 || head[4] !== 2 || head[5] !== 1) return undefined;
    const machine = head.readUInt16LE(18);
    const phoff = Number(head.readBigUInt64LE(32));
    const phentsize = head.readUInt16LE(54);
    const phnum = head.readUInt16LE(56);
    if (phentsize < 56 || phentsize * phnum > MAX_TABLE) return undefined;
    const table = read(phoff, phentsize * phnum);
    const loads: { vaddr: bigint; offset: bigint; size: bigint }[] = [];
    let dynamic: { offset: number; size: number } | undefined;
    const info: ElfInfo = { machine, needed: [] };
    for (let i = 0; i + phentsize <= table.length; i += phentsize) {
      const type = table.readUInt32LE(i);
      const offset = table.readBigUInt64LE(i + 8);
      const vaddr = table.readBigUInt64LE(i + 16);
      const filesz = table.readBigUInt64LE(i + 32);
      if (type === PT_LOAD) loads.push({ vaddr, offset, size: filesz });
      else if (type === PT_DYNAMIC && filesz <= BigInt(MAX_TABLE)) dynamic = { offset: Number(offset), size: Number(filesz) };
      else if (type === PT_INTERP && filesz <= 4096n) info.interp = read(Number(offset), Number(filesz)).toString('latin1').replace(/\0.*$/s, '');
    }
    if (!dynamic) return info;
    const dyn = read(dynamic.offset, dynamic.size);
    let strtab: bigint | undefined;
    let soname: bigint | undefined;
    const needed: bigint[] = [];
    for (let i = 0; i + 16 <= dyn.length; i += 16) {
      const tag = dyn.readBigInt64LE(i);
      if (tag === DT_NULL) break;
      if (tag === DT_STRTAB) strtab = dyn.readBigUInt64LE(i + 8);
      if (tag === DT_SONAME) soname = dyn.readBigUInt64LE(i + 8);
      if (tag === DT_NEEDED) needed.push(dyn.readBigUInt64LE(i + 8));
    }
    if (strtab === undefined) return info;
    // DT_STRTAB is an address: the PT_LOAD segment holding it says where it is in the file.
    const seg = loads.find((l) => strtab >= l.vaddr && strtab < l.vaddr + l.size);
    if (!seg) return info;
    const at = strtab - seg.vaddr + seg.offset;
    const name = (offset: bigint): string | undefined => {
      const text = read(Number(at + offset), MAX_NAME).toString('latin1');
      const end = text.indexOf('\0');
      return end > 0 ? text.slice(0, end) : undefined;
    };
    if (soname !== undefined) {
      const s = name(soname);
      if (s !== undefined) info.soname = s;
    }
    for (const offset of needed) {
      const n = name(offset);
      if (n !== undefined) info.needed.push(n);
    }
    return info;
  } finally {
    closeSync(fd);
  }
}
