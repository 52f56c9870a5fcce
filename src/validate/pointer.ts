/** JSON pointers (RFC 6901) into the manifest, and the names users read in messages. */

export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function formatPointer(segments: readonly (string | number)[]): string {
  return segments.map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/**
 * What a message calls the thing at a path: `manifest`, `host "web"`, `ports[1] of host "web"`,
 * `hostTemplate.ports[0]`. Hosts are named by their name because that is how users think of them.
 */
export function describePath(segments: readonly string[]): string {
  if (segments.length === 0) return 'manifest';
  const [first = '', second, ...rest] = segments;
  if (first === 'hosts' && second !== undefined) {
    const host = `host "${second}"`;
    return rest.length ? `${fieldPath(rest)} of ${host}` : host;
  }
  return fieldPath(segments);
}

function fieldPath(segments: readonly string[]): string {
  let out = '';
  for (const s of segments) out += /^\d+$/.test(s) ? `[${s}]` : out ? `.${s}` : s;
  return out;
}

/** The value at a path of the plain manifest value, or undefined when the path does not exist. */
export function valueAt(root: unknown, segments: readonly string[]): unknown {
  let value = root;
  for (const s of segments) {
    if (Array.isArray(value)) value = value[Number(s)];
    else if (value !== null && typeof value === 'object') value = (value as Record<string, unknown>)[s];
    else return undefined;
  }
  return value;
}
