// Generated input files for the byte benchmarks: incompressible, distinct per file and per MiB
// (a random 16 MiB pattern, each MiB stamped with its file and offset), streamed to disk and
// hashed (MD5, as both platforms want it) on the way, never held in memory whole.

import { createHash, randomFillSync } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import path from 'node:path';

export const MiB = 1024 * 1024;

export interface GeneratedFile {
  file: string;
  name: string;
  size: number;
  md5: Buffer;
}

const pattern = randomFillSync(Buffer.alloc(16 * MiB));

export async function generateFile(dir: string, name: string, size: number, seed: number): Promise<GeneratedFile> {
  const file = path.join(dir, name);
  const hash = createHash('md5');
  const out = createWriteStream(file);
  for (let offset = 0; offset < size; offset += MiB) {
    const start = offset % pattern.length;
    const piece = Buffer.from(pattern.subarray(start, start + Math.min(MiB, size - offset)));
    if (piece.length >= 16) {
      piece.writeDoubleLE(seed, 0);
      piece.writeDoubleLE(offset, 8);
    }
    hash.update(piece);
    if (!out.write(piece)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return { file, name, size, md5: hash.digest() };
}

/** `count` files named `${prefix}-NN${extension}` of `size` bytes each. */
export async function generateFiles(dir: string, prefix: string, extension: string, count: number, size: number, seedBase = 0): Promise<GeneratedFile[]> {
  const files: GeneratedFile[] = [];
  for (let index = 0; index < count; index++) files.push(await generateFile(dir, `${prefix}-${String(index).padStart(2, '0')}${extension}`, size, seedBase + index));
  return files;
}
