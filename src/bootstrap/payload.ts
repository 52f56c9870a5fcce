/**
 * The bytes a bootstrap host receives on stdin (docs/protocol.md §12): constants.ts's header, then
 * the single-file CLI gzipped. The router sends its own file, so every host runs exactly the
 * router's version; it is read and compressed once per router process.
 */
import { createHash } from 'node:crypto';
import { readFileSync, realpathSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { BOOTSTRAP_HEADER_LENGTH, BOOTSTRAP_MAGIC } from './constants.js';
import { BootstrapSourceError } from './errors.js';

/** The first bytes scripts/build.mjs writes into dist/norouter.cjs. */
const SINGLE_FILE_START = '#!/usr/bin/env node\n"use strict";\n// Built by scripts/build.mjs';

export interface BootstrapPayload {
  /** Where the single-file CLI was read. */
  path: string;
  /** Its size in bytes, uncompressed. */
  rawBytes: number;
  /** Header and gzipped file: what is written to the host's stdin before the frames. */
  stream: Buffer;
}

/** Header + gzip of `file`. Pure. */
export function encodeBootstrap(file: Buffer): Buffer {
  const body = gzipSync(file, { level: 9 });
  const header = Buffer.alloc(BOOTSTRAP_HEADER_LENGTH);
  header.write(BOOTSTRAP_MAGIC, 0, 'latin1');
  header.writeUInt32LE(body.length, 8);
  createHash('sha256').update(body).digest().copy(header, 12);
  return Buffer.concat([header, body]);
}

/** Whether `file` is a single-file CLI built by scripts/build.mjs. */
export function isSingleFileCli(file: Buffer): boolean {
  return file.subarray(0, SINGLE_FILE_START.length).toString('latin1') === SINGLE_FILE_START;
}

/**
 * Reads the single-file CLI this process runs from (process.argv[1], symlinks resolved: an npm
 * global `bin` is one), or `path`. Throws BootstrapSourceError when it is not one.
 */
export function readSingleFileCli(path?: string): { path: string; file: Buffer } {
  const given = path ?? process.argv[1];
  if (given === undefined) throw new BootstrapSourceError('cannot tell which file this norouter runs from (process.argv[1] is not set)');
  let real: string;
  let file: Buffer;
  try {
    real = realpathSync(given);
    file = readFileSync(real);
  } catch (error) {
    throw new BootstrapSourceError(`cannot read the single-file norouter ${given}: ${(error as Error).message}`, { cause: error });
  }
  if (!isSingleFileCli(file)) {
    throw new BootstrapSourceError(`${real} is not the single-file norouter build; run the built CLI (\`npm run build\`, then dist/norouter.cjs)`);
  }
  return { path: real, file };
}

let cached: BootstrapPayload | undefined;

/** The payload of this process's own single-file CLI, made once. */
export function bootstrapPayload(): BootstrapPayload {
  if (!cached) {
    const { path, file } = readSingleFileCli();
    cached = { path, rawBytes: file.length, stream: encodeBootstrap(file) };
  }
  return cached;
}
