/**
 * Stage 2a: the precompiled schema validator (generated/validate-manifest.js, no ajv at runtime),
 * with each ajv error turned into one readable, positioned diagnostic. ajv reports in schema
 * terms (`must match exactly one schema in oneOf`); users need to hear about their file.
 */
import type { ErrorObject } from 'ajv';
import validate from '../../generated/validate-manifest.js';
import { createDiagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { Code } from '../diagnostics/codes.js';
import { describeFound, hasType, quote } from './describe.js';
import { locate, type Target, type YamlSource } from './locate.js';
import { describePath, formatPointer, parsePointer, valueAt } from './pointer.js';
import { checkPortEntry } from './port-entry.js';
import { branchTypes, describeExpected, knownKeys, schemaAt, typeNameOf } from './schema-tree.js';
import { suggestKey } from './suggest.js';

/** What one ajv error (or a collapsed group of them) says, before it gets a position. */
export interface Problem {
  code: Code;
  message: string;
  segments: string[];
  target: Target;
  /** For an unknown key: the known key it probably meant. */
  meant?: string;
  /** For a missing key: its name. */
  missing?: string;
}

export function validateSchema(value: unknown, src: YamlSource, file: string): Diagnostic[] {
  if (validate(value)) return [];
  const problems = dropExplained(collapseOneOf(value, validate.errors ?? []).map((e) => explainError(value, e)));
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const p of problems) {
    const pointer = formatPointer(p.segments);
    // ajv can describe one fault from two angles; the user needs it once.
    const key = `${p.code} ${pointer}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(createDiagnostic(p.code, p.message, file, locate(src, p.segments, p.target), pointer));
  }
  return out;
}

/**
 * `vpi: …` makes both an unknown key and a missing `vip`: one typo, so only the unknown key (whose
 * "did you mean" names the fix) is kept.
 */
function dropExplained(problems: readonly Problem[]): Problem[] {
  const meant = new Set(problems.filter((p) => p.meant !== undefined).map((p) => formatPointer([...p.segments.slice(0, -1), p.meant ?? ''])));
  return problems.filter((p) => !(p.code === 'E203' && meant.has(formatPointer([...p.segments, p.missing ?? '']))));
}

/**
 * A oneOf failure comes with the errors of every branch. Keep only the branch the value was meant
 * for (the one whose type it has, e.g. the list branch for a list), or, when it has none of the
 * types, a single type error listing them all.
 */
function collapseOneOf(value: unknown, errors: readonly ErrorObject[]): ErrorObject[] {
  let result = [...errors];
  for (const group of errors.filter((e) => e.keyword === 'oneOf')) {
    const prefix = `${group.schemaPath}/`;
    const segments = parsePointer(group.instancePath);
    const types = branchTypes(schemaAt(segments));
    const chosen = types.findIndex((t) => hasType(valueAt(value, segments), t));
    const keep = `${prefix}${chosen}/`;
    const inGroup = (e: ErrorObject) =>
      e.schemaPath.startsWith(prefix) && (e.instancePath === group.instancePath || e.instancePath.startsWith(`${group.instancePath}/`));
    result = result.filter((e) => e !== group && !(inGroup(e) && (chosen < 0 || !e.schemaPath.startsWith(keep))));
    if (chosen < 0) result.push({ ...group, keyword: 'type', params: { type: types } });
  }
  return result;
}

/** One ajv error in the user's terms; exported for tests of rules the current schema lacks. */
export function explainError(value: unknown, e: ErrorObject): Problem {
  const segments = parsePointer(e.instancePath);
  const at = describePath(segments);
  const found = valueAt(value, segments);
  const last = segments[segments.length - 1];
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String((e.params as { additionalProperty: unknown }).additionalProperty);
      const known = knownKeys(segments);
      const original = originalKey(segments, key);
      const guess = original === undefined ? suggestKey(key, known) : undefined;
      const hint = original !== undefined ? `: ${original}` : guess !== undefined ? `; did you mean "${guess}"?` : known.length ? ` (known keys: ${known.join(', ')})` : '';
      return { code: 'E201', message: `unknown key ${quote(key)} in ${at}${hint}`, segments: [...segments, key], target: 'key', ...(guess !== undefined && { meant: guess }) };
    }
    case 'required': {
      const missing = String((e.params as { missingProperty: unknown }).missingProperty);
      return { code: 'E203', message: `${at} is missing required key "${missing}"`, segments, target: 'key', missing };
    }
    case 'type': {
      if (segments.length === 0 && (found === null || found === undefined)) {
        return { code: 'E202', message: 'the manifest is empty; it must be a mapping with a "hosts" key', segments, target: 'value' };
      }
      const expected = describeExpected(schemaAt(segments)) ?? [(e.params as { type: unknown }).type].flat().map(String).map(typeNameOf).join(' or ');
      return { code: 'E202', message: `${at} must be ${expected}, found ${describeFound(found)}`, segments, target: 'value' };
    }
    case 'minProperties':
      if (segments.length === 1 && last === 'hosts') return { code: 'E205', message: 'hosts is empty; a manifest needs at least one host', segments, target: 'value' };
      break;
    case 'minItems':
      if (last === 'cmd') return { code: 'E307', message: `${at} is an empty list; give the command that starts norouter there, or leave cmd out for the local host`, segments, target: 'value' };
      break;
    case 'pattern':
      if (last === 'vip' && typeof found === 'string') return { code: 'E204', message: `${at} is not an IPv4 address (like 127.0.42.101): ${quote(found)}`, segments, target: 'value' };
      if (segments[segments.length - 2] === 'ports' && typeof found === 'string') {
        const entry = checkPortEntry(segments, found);
        if (!entry.ok) return { code: 'E304', message: entry.message, segments, target: 'value' };
      }
      break;
    case 'enum': {
      const allowed = ((e.params as { allowedValues?: unknown[] }).allowedValues ?? []).map((v) => JSON.stringify(v)).join(', ');
      return { code: 'E206', message: `${at} must be one of ${allowed}, found ${describeFound(found)}`, segments, target: 'value' };
    }
  }
  return { code: 'E206', message: `${at} ${e.message ?? 'does not match the schema'}`, segments, target: 'value' };
}

/**
 * Keys of the original NoRouter's manifest that norouter does not take where they appear, each
 * with what it was and what to write instead. The original's other keys are accepted (`aliases`,
 * `stateDir`, `http`, `socks`, `loopback`, `writeEtcHosts`, `routes`).
 */
const ORIGINAL_KEYS: Record<string, Record<string, string>> = {
  hostTemplate: {
    vip: 'a vip belongs to one host (the original NoRouter refused it in hostTemplate too); set vip on each host',
    cmd: 'a cmd belongs to one host (the original NoRouter refused it in hostTemplate too); set cmd on each host',
    aliases: 'aliases belong to one host (the original NoRouter refused them in hostTemplate too); set aliases on each host, or dns.domain here for a suffix on every name',
  },
};

function originalKey(segments: readonly string[], key: string): string | undefined {
  const where = segments.length === 1 && segments[0] === 'hostTemplate' ? 'hostTemplate' : undefined;
  return where === undefined ? undefined : ORIGINAL_KEYS[where]?.[key];
}
