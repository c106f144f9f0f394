// Streams a file's bytes, refusing invalid UTF-8 with the line it occurs on. A manifest with a
// mis-encoded byte (a Latin-1 export, say) would otherwise turn into silently wrong titles
// and keys. Validation is the native isUtf8 on each chunk; the line is only worked out (by
// reading the file again up to the bad byte) on the rare path where there is one.

import { createReadStream } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { UsageError } from '../core/errors.ts';

export async function* readUtf8Chunks(file: string, signal?: AbortSignal): AsyncGenerator<Buffer> {
  let offset = 0; // bytes validated so far
  let tail: Buffer = Buffer.alloc(0); // an incomplete character at the end of the last chunk
  // 64 KB reads: each run of parsed rows stays small, so it dies young in the reader's small heap.
  for await (const chunk of createReadStream(file, { signal, highWaterMark: 64 * 1024 }) as AsyncIterable<Buffer>) {
    const bytes = tail.length > 0 ? Buffer.concat([tail, chunk]) : chunk;
    const complete = completeLength(bytes);
    if (!isUtf8(bytes.subarray(0, complete))) throw await invalidAt(file, offset + firstInvalidByte(bytes.subarray(0, complete)));
    offset += complete;
    tail = Buffer.from(bytes.subarray(complete));
    yield chunk;
  }
  if (tail.length > 0) throw await invalidAt(file, offset);
}

/** Length of the prefix of `bytes` that ends on a character boundary. */
function completeLength(bytes: Buffer): number {
  let index = bytes.length - 1;
  // Step back over up to 3 continuation bytes to the lead byte of the last character.
  for (let steps = 0; index >= 0 && steps < 3 && (bytes[index]! & 0xc0) === 0x80; steps++) index--;
  if (index < 0) return bytes.length;
  const lead = bytes[index]!;
  const needed = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return bytes.length - index >= needed ? bytes.length : index;
}

function firstInvalidByte(bytes: Buffer): number {
  let low = 0;
  let high = bytes.length;
  // Binary search on valid prefixes, each ending on a character boundary.
  while (high - low > 4) {
    const middle = completeLength(bytes.subarray(0, (low + high) >> 1));
    if (middle <= low) break;
    if (isUtf8(bytes.subarray(0, middle))) low = middle;
    else high = middle;
  }
  return low;
}

async function invalidAt(file: string, byteOffset: number): Promise<UsageError> {
  let line = 1;
  if (byteOffset > 0) {
    for await (const chunk of createReadStream(file, { end: byteOffset - 1 }) as AsyncIterable<Buffer>) {
      for (let index = chunk.indexOf(10); index !== -1; index = chunk.indexOf(10, index + 1)) line++;
    }
  }
  return new UsageError(`${file}:${line}: the manifest is not valid UTF-8. Fix: re-export or convert it to UTF-8 (e.g. iconv -f latin1 -t utf-8 in.csv > out.csv).`);
}
