/**
 * The two facts the runtime bundle (runtime-files.ts) needs from an ELF file: the dynamic loader
 * an executable asks for (PT_INTERP) and the name a shared library is looked up by (DT_SONAME).
 * The loader finds `libstdc++.so.6` under `--library-path`, while /proc/self/maps names the file
 * it opened, `libstdc++.so.6.0.30`: each library is sent under its soname.
 *
 * 64-bit little-endian only (x86-64, aarch64: what Node ships for Linux); anything else yields
 * undefined and the caller falls back to the file's own name.
 */
import { closeSync, openSync, readSync } from 'node:fs';

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const DT_NULL = 0n;
const DT_STRTAB = 5n;
const DT_SONAME = 14n;
/** Program headers and dynamic sections are small; a header claiming more is not read. */
const MAX_TABLE = 1 << 20;

export interface ElfInfo {
  interp?: string;
  soname?: string;
  /** e_machine: 62 x86-64, 183 aarch64. */
  machine: number;
}

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
    const info: ElfInfo = { machine };
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
    for (let i = 0; i + 16 <= dyn.length; i += 16) {
      const tag = dyn.readBigInt64LE(i);
      if (tag === DT_NULL) break;
      if (tag === DT_STRTAB) strtab = dyn.readBigUInt64LE(i + 8);
      if (tag === DT_SONAME) soname = dyn.readBigUInt64LE(i + 8);
    }
    if (strtab === undefined || soname === undefined) return info;
    // DT_STRTAB is an address: the PT_LOAD segment holding it says where it is in the file.
    const seg = loads.find((l) => strtab >= l.vaddr && strtab < l.vaddr + l.size);
    if (!seg) return info;
    const name = read(Number(strtab - seg.vaddr + seg.offset + soname), 256).toString('latin1');
    const end = name.indexOf('\0');
    if (end > 0) info.soname = name.slice(0, end);
    return info;
  } finally {
    closeSync(fd);
  }
}
