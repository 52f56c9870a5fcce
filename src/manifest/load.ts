/**
 * The manifest pipeline: YAML text → parse → schema → semantic checks. Pure: text in, a typed
 * manifest and every diagnostic out, sorted by position, nothing thrown for a bad file.
 */
import type { Manifest } from '../../generated/manifest.js';
import { compareDiagnostics, hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';
import { parseFastYaml } from '../parse/fast-yaml.js';
import { parseYaml } from '../parse/parse-yaml.js';
import type { YamlSource } from '../validate/locate.js';
import { validateSchema } from '../validate/schema.js';
import { checkSemantics } from '../validate/semantic.js';

export interface LoadResult {
  /** Present exactly when `ok`. */
  manifest?: Manifest;
  diagnostics: Diagnostic[];
  /** No errors (warnings allowed). */
  ok: boolean;
}

export function loadManifest(text: string, file: string): LoadResult {
  return loadPlain(text, file) ?? loadManifestWithYaml(text, file);
}

/**
 * The fast path: `yaml` costs ~300 ms on a 1,000-host manifest in a cold process. A manifest
 * within fast-yaml's subset that has nothing at all to report (no error, no warning) is loaded
 * without it; anything else (undefined) goes through the full pipeline, so every diagnostic still
 * comes from `yaml`'s document with its positions. The one exception is E318 (a plan too large):
 * it is placed from the text alone, because yaml's document of a manifest that large is
 * the cost it guards against (32,000 hosts: 430 MB and seconds).
 */
function loadPlain(text: string, file: string): LoadResult | undefined {
  const value = parseFastYaml(text);
  if (value === undefined) return undefined;
  let diagnostics: Diagnostic[];
  try {
    const schema = validateSchema(value, UNPLACED, file);
    if (schema.length) return undefined;
    diagnostics = checkSemantics(value, unplaced(text), file, schema);
  } catch (error) {
    if (error === NEEDS_POSITIONS) return undefined;
    throw error;
  }
  // Any other diagnostic would have thrown NEEDS_POSITIONS: what is left is E318 alone.
  if (diagnostics.length) return { diagnostics, ok: false };
  return { manifest: value as Manifest, diagnostics: [], ok: true };
}

const NEEDS_POSITIONS = new Error('a diagnostic needs positions: use the full pipeline');

/**
 * The validators touch their source only to place a diagnostic: with this one, the first
 * diagnostic throws NEEDS_POSITIONS, which means "not clean".
 */
const UNPLACED: YamlSource = {
  get doc(): never { throw NEEDS_POSITIONS; },
  get lineCounter(): never { throw NEEDS_POSITIONS; },
  get text(): never { throw NEEDS_POSITIONS; },
};

/** As UNPLACED, but with the text, from which E318 places itself (locateTopKeyInText). */
function unplaced(text: string): YamlSource {
  return {
    get doc(): never { throw NEEDS_POSITIONS; },
    get lineCounter(): never { throw NEEDS_POSITIONS; },
    text,
  };
}

/** The full pipeline through `yaml`'s Document; exported so tests can compare the fast path with it. */
export function loadManifestWithYaml(text: string, file: string): LoadResult {
  const parsed = parseYaml(text, file);
  const diagnostics = [...parsed.diagnostics];
  // A document with YAML errors has no trustworthy value: stop at what the parser said.
  if (parsed.doc && !hasErrors(parsed.diagnostics)) {
    const src = { doc: parsed.doc, lineCounter: parsed.lineCounter, text };
    const schema = validateSchema(parsed.value, src, file);
    diagnostics.push(...schema, ...checkSemantics(parsed.value, src, file, schema));
  }
  diagnostics.sort(compareDiagnostics);
  const ok = !hasErrors(diagnostics);
  return ok ? { manifest: parsed.value as Manifest, diagnostics, ok } : { diagnostics, ok };
}
