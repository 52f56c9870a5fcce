/**
 * A link's input read in large pieces: a pipe or socket file descriptor (the agent's stdin) as a
 * net.Socket read with `onread` into 1 MiB slabs, up to 256 KiB per read, instead of the 64 KiB
 * libuv reads into a new Buffer each time. One read then brings up to four data frames: the
 * server-side agent's reads per GB fell from ~18,000 to ~6,000 and its socket writes with them
 * (docs/benchmarks.md, "Mesh: the hot path on the new layout").
 *
 * Each read gets a part of the slab that no earlier read used, so the decoder may hand out
 * payloads as slices of it (zeroCopyData) and nothing overwrites them; a slab is dropped once too
 * little is left, and freed when the last slice of it is. The price: a payload held long (a
 * local socket that does not read) keeps its whole slab, up to 1 MiB, where libuv's buffer was
 * trimmed to the bytes read; a slab is only left behind after 768 KiB of reads, so what is kept
 * this way stays within the bytes the link carried meanwhile.
 */
import { fstatSync } from 'node:fs';
import { Socket, type OnReadOpts, type SocketConstructorOpts } from 'node:net';

const SLAB_BYTES = 1024 * 1024;
const READ_BYTES = 256 * 1024;

export interface SlabInput {
  /** The input's stream: its 'end', 'close' and 'error' and pause(); it emits no 'data'. */
  socket: Socket;
  /** Where the bytes read go; those read before this is called are held for it. */
  bind(receive: (chunk: Buffer) => void): void;
}

/**
 * The descriptor as a SlabInput, or undefined when it is neither a pipe nor a socket (a file, a
 * terminal) or already has a handle in this process (process.stdin, once touched, is one).
 */
export function openSlabInput(fd: number): SlabInput | undefined {
  let kind;
  try {
    kind = fstatSync(fd);
  } catch {
    return undefined;
  }
  if (!kind.isFIFO() && !kind.isSocket()) return undefined;
  let slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
  let used = 0;
  let receive: ((chunk: Buffer) => void) | undefined;
  const early: Buffer[] = [];
  // net.Socket takes `onread` (Node ≥ 12.14; @types/node declares it only for connect()).
  const options: SocketConstructorOpts & { onread: OnReadOpts } = {
    fd,
    readable: true,
    writable: false,
    onread: {
      // Called for the next read, after the callback of the last one.
      buffer: () => {
        if (SLAB_BYTES - used < READ_BYTES) {
          slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
          used = 0;
        }
        return slab.subarray(used, used + READ_BYTES);
      },
      callback: (n, buf) => {
        used += n;
        const chunk = Buffer.from(buf.buffer, buf.byteOffset, n);
        if (receive) receive(chunk);
        else early.push(chunk);
        return true;
      },
    },
  };
  let socket: Socket;
  try {
    socket = new Socket(options);
  } catch {
    // EEXIST: the descriptor has a handle already (process.stdin was read before): keep to it.
    return undefined;
  }
  return {
    socket,
    bind(fn) {
      receive = fn;
      for (const chunk of early.splice(0)) fn(chunk);
    },
  };
}
