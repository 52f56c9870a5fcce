// Renders the manifest reference (README.md, between the manifest-reference markers) from the
// schema's titles, descriptions and examples, so the docs cannot drift from the schema.

function resolve(schema, node) {
  if (node && node.$ref) {
    const name = node.$ref.replace('#/$defs/', '');
    return { ...schema.$defs[name], ...node, $ref: undefined };
  }
  return node;
}

function typeOf(schema, node) {
  node = resolve(schema, node);
  if (node.oneOf) return node.oneOf.map((n) => typeOf(schema, n)).join(' or ');
  if (node.enum) return node.enum.map((v) => `\`${JSON.stringify(v)}\``).join(' or ');
  if (node.type === 'array') return `list of ${typeOf(schema, node.items ?? {})}`;
  if (node.type === 'object' && node.additionalProperties && typeof node.additionalProperties === 'object') {
    return `map of name → ${resolve(schema, node.additionalProperties).title ?? 'object'}`;
  }
  return node.type ?? 'any';
}

function yamlInline(value) {
  return JSON.stringify(value);
}

function rows(schema, node, prefix, out) {
  node = resolve(schema, node);
  const required = new Set(node.required ?? []);
  for (const [key, raw] of Object.entries(node.properties ?? {})) {
    const child = resolve(schema, raw);
    const path = prefix ? `${prefix}.${key}` : key;
    const example = child.examples?.[0];
    out.push(
      `| \`${path}\` | ${typeOf(schema, raw)}${required.has(key) ? ' (required)' : ''} | ${
        (child.description ?? '').replace(/\|/g, '\\|')
      }${example !== undefined && child.type !== 'object' ? ` Example: \`${yamlInline(example)}\`` : ''} |`,
    );
    if (child.type === 'object' && child.properties) rows(schema, child, path, out);
    if (child.type === 'object' && typeof child.additionalProperties === 'object') {
      rows(schema, child.additionalProperties, `${path}.NAME`, out);
    }
  }
  return out;
}

export const BEGIN = '<!-- BEGIN manifest-reference: generated from schema/manifest.schema.json by `npm run generate` -->';
export const END = '<!-- END manifest-reference -->';

export function renderReference(schema) {
  return [
    BEGIN,
    '',
    '| Key | Type | Meaning |',
    '| --- | --- | --- |',
    ...rows(schema, schema, '', []),
    '',
    END,
  ].join('\n');
}

export function spliceReference(readme, schema) {
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (start === -1 || end === -1) throw new Error('README.md lacks the manifest-reference markers');
  return readme.slice(0, start) + renderReference(schema) + readme.slice(end + END.length);
}
