/**
 * Shared by every command that takes a manifest: read, load, print diagnostics to stderr, compile.
 */
import type { Writable } from 'node:stream';
import { realpathSync } from 'node:fs';
import { loadManifest } from './load.js';
import { readManifestFile } from './read.js';
import { formatDiagnostics } from '../diagnostics/format.js';
import { wantsColour } from '../diagnostics/colour.js';
import { compile } from '../compile/compile.js';
import type { Manifest } from '../../generated/manifest.js';
import type { Plan } from '../plan/types.js';

export interface Loaded {
  text: string;
  manifest: Manifest;
  plan: Plan;
}

/** The command that starts this same program: node plus the CLI script (Node's /proc/self/exe). */
export function selfCommand(): string[] {
  const script = process.argv[1];
  if (script === undefined) throw new Error('Assertion failed: process.argv[1] is not set');
  let path = script;
  try {
    path = realpathSync(script);
  } catch {
    // Keep the path as given: the agent will report it if it cannot start.
  }
  return [process.execPath, path];
}

/**
 * Returns the manifest and its plan, or undefined after printing every diagnostic when the file
 * has errors. Warnings are printed either way.
 */
export async function loadAndReport(file: string, stderr: Writable): Promise<Loaded | undefined> {
  const text = await readManifestFile(file);
  const result = loadManifest(text, file);
  if (result.diagnostics.length) stderr.write(formatDiagnostics(result.diagnostics, text, { colour: wantsColour(stderr as { isTTY?: boolean }) }));
  if (!result.ok || result.manifest === undefined) return undefined;
  return { text, manifest: result.manifest, plan: compile(result.manifest, { self: selfCommand() }) };
}
