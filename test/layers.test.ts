/**
 * Imports go down the layers (README "Development"). Guards: runtime code imported VERSION and
 * exit codes from src/cli, validate imported compile, protocol imported a plan type, agent and
 * proxy imported each other — each one a circle between folders that made a lower layer depend
 * on a higher one. Every static `import … from '…'`, `export … from '…'` and dynamic
 * `import('…')` of src/**\/*.ts is read; a file belongs to its folder under src/ (a file directly
 * in src/ is a folder of its own). A folder may import only folders of lower layers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The layers, bottom first. Folders on one line do not import each other. */
export const LAYERS: readonly (readonly string[])[] = [
  ['errors', 'meta', 'terminal', 'fs'],
  ['protocol', 'diagnostics', 'shell'],
  ['mux', 'link', 'parse', 'bootstrap'],
  ['plan'],
  ['net', 'dns', 'validate', 'compile'],
  ['manifest', 'proxy'],
  ['agent', 'watch', 'status'],
  ['router'],
  ['demo'],
  ['cli'],
];

const root = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');

function sources(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) sources(path, out);
    else if (entry.name.endsWith('.ts')) out.push(path);
  }
  return out;
}

function folderOf(file: string): string {
  const parts = relative(root, file).split(sep);
  return parts.length > 1 ? parts[0]! : parts[0]!.replace(/\.ts$/, '');
}

// `from '…'` covers `import … from` and `export … from`; `import '…'` a side-effect import.
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g;

interface Edge { from: string; to: string; file: string; specifier: string }

function edges(): Edge[] {
  const out: Edge[] = [];
  for (const file of sources(root)) {
    for (const m of readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
      const target = normalize(join(dirname(file), m[1]!));
      if (relative(root, target).startsWith('..')) continue; // generated/, outside the layers
      const from = folderOf(file);
      const to = folderOf(target.replace(/\.js$/, '.ts'));
      if (from !== to) out.push({ from, to, file: relative(root, file), specifier: m[1]! });
    }
  }
  return out;
}

const rank = new Map<string, number>();
LAYERS.forEach((layer, i) => { for (const folder of layer) rank.set(folder, i); });

test('the import scan sees imports (the test would catch nothing if it read none)', () => {
  const all = edges();
  assert.ok(all.some((e) => e.from === 'cli' && e.to === 'router'), 'cli imports router');
  assert.ok(all.some((e) => e.from === 'agent' && e.specifier.startsWith('../proxy/') && e.file.endsWith('run-agent.ts')), 'the dynamic import of the proxies');
});

test('every folder of src/ has a layer, and every layer names folders that exist', () => {
  const folders = new Set(sources(root).map(folderOf));
  for (const folder of folders) assert.ok(rank.has(folder), `src/${folder} is in no layer of test/layers.test.ts`);
  for (const folder of rank.keys()) assert.ok(folders.has(folder), `layer ${folder} is not a folder of src/`);
});

test('every import goes down the layers', () => {
  const up = edges().filter((e) => rank.get(e.to)! >= rank.get(e.from)!)
    .map((e) => `src/${e.file} (${e.from}, layer ${rank.get(e.from)}) imports ${e.specifier} (${e.to}, layer ${rank.get(e.to)})`);
  assert.deepEqual(up, []);
});

test('no circle between folders', () => {
  const next = new Map<string, Set<string>>();
  for (const e of edges()) (next.get(e.from) ?? next.set(e.from, new Set()).get(e.from)!).add(e.to);
  const state = new Map<string, 'open' | 'done'>();
  const circles: string[] = [];
  const visit = (folder: string, path: string[]): void => {
    if (state.get(folder) === 'done') return;
    if (state.get(folder) === 'open') { circles.push([...path.slice(path.indexOf(folder)), folder].join(' -> ')); return; }
    state.set(folder, 'open');
    for (const to of next.get(folder) ?? []) visit(to, [...path, folder]);
    state.set(folder, 'done');
  };
  for (const folder of next.keys()) visit(folder, []);
  assert.deepEqual(circles, []);
});
