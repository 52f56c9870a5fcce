/**
 * The manifest pipeline: YAML text → parse → schema → semantic checks. Pure: text in, a typed
 * manifest and every diagnostic out, sorted by position, nothing thrown for a bad file.
 */
import type { Manifest } from '../../generated/manifest.js';
import { compareDiagnostics, hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';
import { parseYaml } from '../parse/parse-yaml.js';
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
