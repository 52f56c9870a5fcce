/**
 * What a path is, in words, for the messages that refuse to read anything but a regular file
 * (a manifest, resolv.conf, /etc/hosts): reading a FIFO or a device could block or never end.
 */
import type { Stats } from 'node:fs';

export function fileKind(info: Stats): string {
  if (info.isFIFO()) return 'a FIFO (named pipe)';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  if (info.isDirectory()) return 'a directory';
  return 'not a regular file';
}
