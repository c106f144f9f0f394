// Streams a file's text, refusing invalid UTF-8 with the line it occurs on. A manifest with a
// mis-encoded byte (a Latin-1 export, say) would otherwise turn into silently wrong titles
// and keys.

import { createReadStream } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { UsageError } from '../core/errors.ts';

export async function* readUtf8Text(file: string, signal?: AbortSignal): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let linesBefore = 0;
  let carry: Buffer = Buffer.alloc(0); // bytes of the current, unfinished line
  for await (const chunk of createReadStream(file, { signal, highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>) {
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch {
      throw new UsageError(
        `${file}:${linesBefore + firstInvalidLine(Buffer.concat([carry, chunk]))}: the manifest is not valid UTF-8. ` +
          'Fix: re-export or convert it to UTF-8 (e.g. iconv -f latin1 -t utf-8 in.csv > out.csv).',
      );
    }
    let newlines = 0;
    let lastNewline = -1;
    for (let index = chunk.indexOf(10); index !== -1; index = chunk.indexOf(10, index + 1)) {
      newlines++;
      lastNewline = index;
    }
    if (lastNewline === -1) carry = Buffer.concat([carry, chunk]);
    else {
      linesBefore += newlines;
      carry = chunk.subarray(lastNewline + 1);
    }
    if (text.length > 0) yield text;
  }
  try {
    const rest = decoder.decode();
    if (rest.length > 0) yield rest;
  } catch {
    throw new UsageError(`${file}:${linesBefore + 1}: the manifest ends in the middle of a UTF-8 character. Fix: re-export it as UTF-8.`);
  }
}

/** 1-based line within `bytes` (which start at a line start) holding the first invalid sequence. */
function firstInvalidLine(bytes: Buffer): number {
  let line = 1;
  let start = 0;
  for (let index = bytes.indexOf(10); index !== -1; index = bytes.indexOf(10, start)) {
    if (!isUtf8(bytes.subarray(start, index))) return line;
    line++;
    start = index + 1;
  }
  return line;
}
