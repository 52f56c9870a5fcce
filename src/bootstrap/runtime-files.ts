/**
 * The Node runtime this router runs on, as a set of files a host can run it from (docs/protocol.md
 * §12.2): the executable, every shared library it has loaded and its dynamic loader, all read
 * from /proc/self/maps, so that what a host gets is exactly what runs here. Started on the host
 * as `LOADER --library-path DIR DIR/node …`, it needs nothing of the host's own libc.
 */
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { machine } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { readElfInfo } from './elf.js';
import { BootstrapSourceError } from './errors.js';

export interface RuntimeFile {
  /** The name on the host: the soname for libraries, `node` for the executable. */
  name: string;
  path: string;
  size: number;
  mode: number;
  sha256: string;
}

export interface Runtime {
  /** `uname -m` of this machine: a host must say the same. */
  arch: string;
  files: RuntimeFile[];
  /** The loader's name among `files`. */
  loader: string;
  /** sha256sum's list of every file: `HEX  NAME` lines, sorted by name. */
  sums: string;
  /** sha256 of `sums`: the runtime's identity, and its directory name on the host. */
  id: string;
  /** Bytes of every file together. */
  rawBytes: number;
}

/** The executable and the ELF files mapped into this process, by real path. */
export function mappedFiles(maps = readFileSync('/proc/self/maps', 'utf8')): string[] {
  const seen = new Set<string>();
  for (const line of maps.split('\n')) {
    // address perms offset dev inode path: only file mappings (inode not 0) with an absolute path.
    const m = /^\S+ \S+ \S+ \S+ (\d+)\s+(\/.*)$/.exec(line);
    if (!m || m[1] === '0' || m[2]?.endsWith(' (deleted)')) continue;
    seen.add(m[2] ?? '');
  }
  return [...seen];
}

/** Names and paths of the files to send, without their hashes. Throws BootstrapSourceError. */
export function runtimeLayout(execPath = process.execPath, maps?: string): { name: string; path: string; loader: boolean }[] {
  if (process.platform !== 'linux') throw new BootstrapSourceError(`this router runs on ${process.platform}: it can bring its Node runtime only from Linux`);
  let exe: string;
  try {
    exe = realpathSync(execPath);
  } catch (error) {
    throw new BootstrapSourceError(`cannot read this router's node executable ${execPath}: ${(error as Error).message}`, { cause: error });
  }
  const exeInfo = readElfInfo(exe);
  if (!exeInfo?.interp) throw new BootstrapSourceError(`${exe} is not a dynamically linked 64-bit ELF executable: this router cannot bring its Node runtime`);
  const interp = realpathSync(exeInfo.interp);
  const out = [{ name: 'node', path: exe, loader: false }];
  const names = new Set(['node']);
  for (const path of mappedFiles(maps)) {
    if (path === exe) continue;
    let info;
    try {
      info = readElfInfo(path);
    } catch {
      continue;
    }
    // Locale archives, ICU data and the like are mapped too; only ELF shared objects matter.
    if (!info) continue;
    const loader = path === interp;
    const name = loader ? basename(exeInfo.interp) : info.soname ?? basename(path);
    if (names.has(name)) continue;
    names.add(name);
    out.push({ name, path, loader });
  }
  if (!out.some((f) => f.loader)) throw new BootstrapSourceError(`the dynamic loader ${exeInfo.interp} is not among the files this node has mapped`);
  return out;
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Hashes `path`, or takes the hash recorded for the same file (device, inode, size, mtime and
 * ctime unchanged: any write changes ctime) in `memo`, a small JSON file in the router's cache:
 * hashing ~100 MB costs a second or more on a busy machine at every `norouter run`.
 */
async function hashOf(path: string, memo: Map<string, string>): Promise<{ key: string; sha: string }> {
  const st = statSync(path, { bigint: true });
  const key = `${path}\0${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
  return { key, sha: memo.get(key) ?? (await hashFile(path)) };
}

function readMemo(file: string | undefined): Map<string, string> {
  if (!file) return new Map();
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (Array.isArray(data)) return new Map(data.filter((e): e is [string, string] => Array.isArray(e) && typeof e[0] === 'string' && /^[0-9a-f]{64}$/.test(String(e[1]))));
  } catch {
    // No memo yet, or unreadable: hash again.
  }
  return new Map();
}

function writeMemo(file: string | undefined, memo: Map<string, string>): void {
  if (!file) return;
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(tmp, JSON.stringify([...memo]), { mode: 0o600 });
    renameSync(tmp, file);
  } catch {
    rmSync(tmp, { force: true });
  }
}

/** The runtime of this process, hashed (`memoFile`: where known hashes are kept). */
export async function describeRuntime(execPath?: string, maps?: string, memoFile?: string): Promise<Runtime> {
  const layout = runtimeLayout(execPath, maps);
  const files: RuntimeFile[] = [];
  const memo = readMemo(memoFile);
  const fresh = new Map<string, string>();
  for (const { name, path, loader } of layout) {
    const st = statSync(path);
    const { key, sha: sha256 } = await hashOf(path, memo);
    fresh.set(key, sha256);
    files.push({ name, path, size: st.size, mode: name === 'node' || loader ? 0o755 : 0o644, sha256 });
  }
  // Only the current files' entries: the memo never grows past one runtime.
  writeMemo(memoFile, fresh);
  files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const sums = files.map((f) => `${f.sha256}  ${f.name}\n`).join('');
  const loader = layout.find((l) => l.loader)?.name ?? '';
  return {
    arch: machine(),
    files,
    loader,
    sums,
    id: createHash('sha256').update(sums).digest('hex'),
    rawBytes: files.reduce((n, f) => n + f.size, 0),
  };
}

/** `uname -m` for an ELF e_machine, for the machines Node ships 64-bit Linux builds for. */
const MACHINES: ReadonlyMap<number, string> = new Map([[62, 'x86_64'], [183, 'aarch64'], [243, 'riscv64'], [21, 'ppc64le'], [22, 's390x']]);

/**
 * A runtime for hosts of another architecture, from a directory the manifest names
 * (`bootstrapRuntime`): `node` and, beside it, the shared libraries it needs under their sonames
 * and its dynamic loader under the name its PT_INTERP ends in. Throws BootstrapSourceError.
 */
export async function describeRuntimeDir(dir: string): Promise<Runtime> {
  const node = join(dir, 'node');
  let info;
  try {
    info = readElfInfo(node);
  } catch (error) {
    throw new BootstrapSourceError(`bootstrapRuntime ${dir}: cannot read ${node}: ${(error as Error).message}`, { cause: error });
  }
  const arch = info && MACHINES.get(info.machine);
  if (!info || !arch) throw new BootstrapSourceError(`bootstrapRuntime ${dir}: ${node} is not a 64-bit Linux executable of a known architecture`);
  if (!info.interp) throw new BootstrapSourceError(`bootstrapRuntime ${dir}: ${node} is statically linked; norouter starts a runtime through its dynamic loader`);
  const loader = basename(info.interp);
  const files: RuntimeFile[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const st = statSync(path);
    if (!st.isFile()) continue;
    files.push({ name, path, size: st.size, mode: name === 'node' || name === loader ? 0o755 : 0o644, sha256: await hashFile(path) });
  }
  if (!files.some((f) => f.name === loader)) throw new BootstrapSourceError(`bootstrapRuntime ${dir}: the dynamic loader ${loader} (what ${node} asks for: ${info.interp}) is not in the directory`);
  const sums = files.map((f) => `${f.sha256}  ${f.name}\n`).join('');
  return { arch, files, loader, sums, id: createHash('sha256').update(sums).digest('hex'), rawBytes: files.reduce((n, f) => n + f.size, 0) };
}
