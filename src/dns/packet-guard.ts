/**
 * Looks at a raw DNS message before anything parses it. dns2 3.0.0 trusts the header's
 * record counts: one 12-byte packet claiming 65,535 records stalls its parser for seconds (it
 * tries, and throws, once per claimed record). Here every count must fit in the bytes present,
 * and the one question we answer ourselves is read with strict bounds. Pure: bytes in, verdict out.
 */

/** RFC 1035 §4.1.1: the fixed header. */
export const HEADER_LEN = 12;
/** The smallest question: the root name (1 byte) + QTYPE + QCLASS. */
const MIN_QUESTION = 5;
/** The smallest resource record: root name + TYPE + CLASS + TTL + RDLENGTH. */
const MIN_RECORD = 11;
/** RFC 1035 §2.3.4. */
const MAX_NAME = 255;

export const QTYPE_A = 1;
export const QTYPE_AAAA = 28;
export const QTYPE_ANY = 255;
export const QCLASS_IN = 1;

export type Verdict =
  /** Nothing valid can be made of it: no answer at all (a response, a truncated header, lying counts). */
  | { kind: 'drop'; reason: string }
  /** A well-formed standard query with one question: `name` lower-cased, without the final dot. */
  | { kind: 'query'; name: string; qtype: number; qclass: number; questionEnd: number }
  /** Plausible but not ours to read (another opcode, several questions): relayed as it is. */
  | { kind: 'other'; questionEnd: number };

export function inspectQuery(msg: Uint8Array): Verdict {
  if (msg.length < HEADER_LEN) return { kind: 'drop', reason: `${msg.length} bytes, shorter than a header` };
  const flags = u16(msg, 2);
  if (flags & 0x8000) return { kind: 'drop', reason: 'a response, not a query' };
  const qd = u16(msg, 4);
  const records = u16(msg, 6) + u16(msg, 8) + u16(msg, 10);
  if (HEADER_LEN + qd * MIN_QUESTION + records * MIN_RECORD > msg.length) {
    return { kind: 'drop', reason: `its header claims ${qd} questions and ${records} records, more than ${msg.length} bytes can hold` };
  }
  const opcode = (flags >> 11) & 0xf;
  if (qd !== 1 || opcode !== 0) return { kind: 'other', questionEnd: HEADER_LEN };
  const q = readQuestion(msg, HEADER_LEN);
  if (typeof q === 'string') return { kind: 'drop', reason: q };
  return { kind: 'query', ...q };
}

/** The first question: labels only (a compression pointer cannot point anywhere useful here). */
function readQuestion(msg: Uint8Array, start: number): { name: string; qtype: number; qclass: number; questionEnd: number } | string {
  let at = start;
  let name = '';
  for (;;) {
    const len = msg[at];
    if (len === undefined) return 'the question name runs past the end';
    if (len === 0) break;
    if (len > 63) return `the question name has a label length byte 0x${len.toString(16)}`;
    if (at + 1 + len > msg.length) return 'the question name runs past the end';
    if (name.length + len + 1 > MAX_NAME) return 'the question name is longer than 255 bytes';
    // DNS names are case-insensitive (RFC 4343): lower-cased once, here.
    const label = Buffer.from(msg.buffer, msg.byteOffset + at + 1, len).toString('latin1').toLowerCase();
    name += name ? `.${label}` : label;
    at += 1 + len;
  }
  at += 1;
  if (at + 4 > msg.length) return 'the question has no type and class';
  return { name, qtype: u16(msg, at), qclass: u16(msg, at + 2), questionEnd: at + 4 };
}

function u16(b: Uint8Array, at: number): number {
  return ((b[at] ?? 0) << 8) | (b[at + 1] ?? 0);
}

/**
 * A SERVFAIL for a query we could not get answered: its header and question as they came (id,
 * RD and the question survive), QR and RA set, every other count zero.
 */
export function servfailFor(query: Uint8Array, questionEnd: number): Buffer {
  const out = Buffer.from(query.subarray(0, Math.max(HEADER_LEN, Math.min(questionEnd, query.length))));
  out[2] = ((out[2] ?? 0) & 0x79) | 0x80; // QR, keep OPCODE and RD, clear AA and TC
  out[3] = 0x80 | 2; // RA, RCODE 2 SERVFAIL
  if (questionEnd <= HEADER_LEN) out.writeUInt16BE(0, 4);
  out.writeUInt16BE(0, 6);
  out.writeUInt16BE(0, 8);
  out.writeUInt16BE(0, 10);
  return out;
}
