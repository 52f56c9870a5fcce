/** Reads a manifest file; the one side effect of loading, kept out of the pure pipeline. */
import { open } from 'node:fs/promises';
import { MAX_MANIFEST_BYTES } from '../parse/parse-yaml.js';
import { ManifestReadError, readErrorCode } from './errors.js';

/** Manifests are small: one read usually gets all of it. */
const CHUNK_BYTES = 64 * 1024;

/**
 * The file's text, decoded as UTF-8. Reads at most one byte past the size limit, so a huge file
 * (or /dev/zero) costs nothing and still reaches the parser's E105 diagnostic.
 */
export async function readManifestFile(path: string): Promise<string> {
  try {
    const handle = await open(path, 'r');
    try {
      const chunks: Buffer[] = [];
      let total = 0;
      while (total <= MAX_MANIFEST_BYTES) {
        const chunk = Buffer.alloc(Math.min(CHUNK_BYTES, MAX_MANIFEST_BYTES + 1 - total));
        const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
        if (bytesRead === 0) break;
        chunks.push(chunk.subarray(0, bytesRead));
        total += bytesRead;
      }
      return Buffer.concat(chunks, total).toString('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw new ManifestReadError(readErrorCode((error as NodeJS.ErrnoException).code), path, { cause: error });
  }
}
