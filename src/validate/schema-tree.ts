/**
 * Reads schema/manifest.schema.json itself (not a copied table) for what messages need: the keys an
 * object allows, and what a value was expected to be. Imported as JSON so the schema stays the
 * single source of truth; esbuild inlines it into the bundle, and it is a few kilobytes.
 */
import schema from '../../schema/manifest.schema.json' with { type: 'json' };

export interface SchemaNode {
  $ref?: string;
  type?: string;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean | SchemaNode;
  items?: SchemaNode;
  oneOf?: SchemaNode[];
}

const root = schema as unknown as SchemaNode & { $defs: Record<string, SchemaNode> };

function deref(node: SchemaNode): SchemaNode {
  let n = node;
  for (let i = 0; n.$ref && i < 16; i++) {
    const name = /^#\/\$defs\/(.+)$/.exec(n.$ref)?.[1];
    const target = name === undefined ? undefined : root.$defs[name];
    if (!target) break;
    n = target;
  }
  return n;
}

/** The schema that applies to the value at a path; undefined where the schema says nothing. */
export function schemaAt(segments: readonly string[]): SchemaNode | undefined {
  let node: SchemaNode | undefined = deref(root);
  for (const s of segments) {
    if (!node) return undefined;
    const next: SchemaNode | undefined =
      node.properties?.[s] ??
      // A value that is one thing or another (`discover: true` or a mapping): the branch that has it.
      node.oneOf?.map(deref).find((b) => b.properties?.[s])?.properties?.[s] ??
      (typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined) ??
      (/^\d+$/.test(s) ? node.items : undefined);
    node = next ? deref(next) : undefined;
  }
  return node;
}

/** The keys the object at a path may have, in schema order. */
export function knownKeys(segments: readonly string[]): string[] {
  return Object.keys(schemaAt(segments)?.properties ?? {});
}

const TYPE_NAMES: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'true or false',
  null: 'nothing',
};

/** `a list of strings or a string`, from a schema node (following oneOf branches). */
export function describeExpected(node: SchemaNode | undefined): string | undefined {
  if (!node) return undefined;
  const n = deref(node);
  if (n.oneOf) {
    const parts = n.oneOf.map(describeExpected).filter((d): d is string => d !== undefined);
    return parts.length ? parts.join(' or ') : undefined;
  }
  if (n.type === 'array' && n.items) {
    const item = deref(n.items).type;
    if (item === 'string') return 'a list of strings';
    if (item === 'object') return 'a list of mappings';
  }
  return n.type === undefined ? undefined : (TYPE_NAMES[n.type] ?? n.type);
}

/** The JSON type of a branch, to pick the oneOf branch a value was meant for. */
export function branchTypes(node: SchemaNode | undefined): string[] {
  return (node?.oneOf ?? []).map((b) => deref(b).type ?? '');
}

export function typeNameOf(type: string): string {
  return TYPE_NAMES[type] ?? type;
}
