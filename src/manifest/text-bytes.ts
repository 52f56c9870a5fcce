/**
 * Whether a file's bytes are text norouter can read: UTF-8 without NUL bytes. A binary file, a
 * UTF-16 file or one in a legacy encoding would otherwise reach the YAML parser as a string of
 * replacement characters ("must be a mapping, found a string"), with no hint of the real problem.
 */

/** Why `bytes` are not UTF-8 text, with where; undefined when they are. */
export function notTextProblem(bytes: Uint8Array): string | undefined {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return 'not a text file: it starts with a UTF-16 byte-order mark (save it as UTF-8)';
  }
  const nul = bytes.indexOf(0);
  const bad = firstInvalidUtf8(bytes);
  if (nul < 0 && bad < 0) return undefined;
  const at = nul >= 0 && (bad < 0 || nul < bad) ? nul : bad;
  const what = at === nul ? 'a NUL byte' : `invalid UTF-8 (byte 0x${(bytes[at] ?? 0).toString(16).padStart(2, '0')})`;
  const hint = at === nul ? ' (binary data, or UTF-16 text: save it as UTF-8)' : ' (binary data, or text in another encoding: save it as UTF-8)';
  return `not a text file: ${what} at ${where(bytes, at)}${hint}`;
}

/** `line L, column C (byte offset N)`, the column in characters as diagnostics count them. */
function where(bytes: Uint8Array, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = bytes.indexOf(0x0a); i >= 0 && i < offset; i = bytes.indexOf(0x0a, i + 1)) {
    line++;
    lineStart = i + 1;
  }
  const col = Buffer.from(bytes.subarray(lineStart, offset)).toString('utf8').length + 1;
  return `line ${line}, column ${col} (byte offset ${offset})`;
}

/** Index of the first byte that does not belong to a well-formed UTF-8 sequence; -1 if none. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] ?? 0;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000];
    else return i;
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8.
    if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return i;
    i += need + 1;
  }
  return -1;
}
