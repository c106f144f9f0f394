// CSV manifests: the formats real exports come in, and every kind of bad input with the file,
// line and reason it must be reported with.

import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.ts';
import { eachEntry } from '../../src/manifest/batching.ts';
import { openCsvManifest } from '../../src/manifest/csv.ts';
import type { ManifestEntry } from '../../src/manifest/types.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'ferry-csv-'));
const columns = { key: 'id', source: 'url', title: 'title' };

function csvFile(name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
}

async function read(file: string, mapping: typeof columns | { source: string; key?: string } = columns): Promise<ManifestEntry[]> {
  const entries: ManifestEntry[] = [];
  for await (const entry of eachEntry(openCsvManifest({ path: file, columns: mapping }))) entries.push(entry);
  return entries;
}

async function failure(file: string, mapping?: typeof columns | { source: string }): Promise<UsageError> {
  try {
    await read(file, mapping);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error('expected a UsageError');
}

describe('CSV manifests', () => {
  it('reads BOM, CRLF, quoted commas, quotes and newlines, UTF-8, with the right line numbers', async () => {
    const file = csvFile('ok.csv', '\uFEFFid,url,title\r\nv1,https://cdn.example.com/a.mp4,"Hello, ""world"""\r\nv2,https://cdn.example.com/b.mp4,"two\nlines"\r\nv3,https://cdn.example.com/ç.mp4,Größe 日本\r\n');
    const entries = await read(file);
    expect(entries.map((entry) => entry.kind)).toEqual(['item', 'item', 'item']);
    const items = entries.map((entry) => (entry.kind === 'item' ? entry.item : undefined)!);
    expect(items[0]).toMatchObject({ key: 'v1', source: 'https://cdn.example.com/a.mp4', fields: { title: 'Hello, "world"' }, origin: `${file}:2` });
    // Spreadsheet exports put LF inside cells even in CRLF files.
    expect(items[1]!.fields.title).toBe('two\nlines');
    expect(items[2]).toMatchObject({ key: 'v3', fields: { title: 'Größe 日本' }, origin: `${file}:5` });
    expect(items[2]!.source).toBe('https://cdn.example.com/%C3%A7.mp4');
  });

  it('derives keys from the source when no key column is mapped, and resolves relative paths', async () => {
    const file = csvFile('paths.csv', 'path\nmedia/a.mp4\n/abs/b.mp4\nhttps://x.example/c.mp4\n');
    const items = (await read(file, { source: 'path' })).map((entry) => (entry.kind === 'item' ? entry.item : undefined)!);
    expect(items.map((item) => [item.key, item.source])).toEqual([
      ['media/a.mp4', path.join(dir, 'media/a.mp4')],
      [path.relative(dir, '/abs/b.mp4'), '/abs/b.mp4'],
      ['https://x.example/c.mp4', 'https://x.example/c.mp4'],
    ]);
  });

  it("an item's content is its source and mapped values: an unmapped column does not enter it", async () => {
    const content = async (csv: string): Promise<string> => {
      const [entry] = await read(csvFile('h.csv', csv));
      return entry!.kind === 'item' ? JSON.stringify([entry!.item.source, entry!.item.fields]) : '';
    };
    const base = await content('id,url,title,notes\nv1,https://x/a.mp4,A,one\n');
    expect(await content('id,url,title,notes\nv1,https://x/a.mp4,A,two\n')).toBe(base);
    expect(await content('id,url,title,notes\nv1,https://x/a.mp4,B,one\n')).not.toBe(base);
    expect(await content('id,url,title,notes\nv1,https://x/b.mp4,A,one\n')).not.toBe(base);
  });

  it('turns bad rows into rejected entries with their line, and keeps the others', async () => {
    const file = csvFile('rows.csv', 'id,url,title\nv1,https://x/a.mp4,A\nv2,,B\n,https://x/c.mp4,C\nv4,ftp://x/d.mp4,D\nv5,https://x/e.mp4\nv6,https://x/f.mp4,F\n');
    const entries = await read(file);
    expect(entries.filter((entry) => entry.kind === 'item').map((entry) => (entry.kind === 'item' ? entry.item.key : ''))).toEqual(['v1', 'v6']);
    const reasons = entries.flatMap((entry) => (entry.kind === 'rejected' ? [entry.row.reason] : []));
    expect(reasons).toEqual([
      `${file}:3: the source column "url" is empty`,
      `${file}:4: the key column "id" is empty`,
      `${file}:5: the source ftp://x/d.mp4 is not an http(s) URL or a file path`,
      `${file}:6: has 2 fields but the header has 3; fix the row's commas or quoting`,
    ]);
  });

  it('refuses an unclosed quote with the file and line', async () => {
    const file = csvFile('quote.csv', 'id,url,title\nv1,https://x/a.mp4,A\nv2,https://x/b.mp4,"never closed\nv3,https://x/c.mp4,C\n');
    const error = await failure(file);
    expect(error.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+: malformed CSV: .*Quote Not Closed.*Fix: `));
  });

  it('refuses a mapped column missing from the header, naming the headers present', async () => {
    const error = await failure(csvFile('cols.csv', 'id,link,title\nv1,https://x/a.mp4,A\n'));
    expect(error.message).toContain(':1: the job maps source to the column "url", but the header has no such column (it has: "id", "link", "title"). Fix: correct source.columns.source');
  });

  it('refuses an empty manifest and a header-only manifest', async () => {
    expect((await failure(csvFile('empty.csv', ''))).message).toContain('the manifest is empty (no header row)');
    expect((await failure(csvFile('header.csv', 'id,url,title\n'))).message).toContain('has a header row but no items');
  });

  it('refuses invalid UTF-8 with the line it is on', async () => {
    const file = csvFile('latin1.csv', Buffer.concat([Buffer.from('id,url,title\nv1,https://x/a.mp4,ok\nv2,https://x/b.mp4,Gr'), Buffer.from([0xf6, 0xdf, 0x65]), Buffer.from('\n')]));
    const error = await failure(file);
    expect(error.message).toBe(`${file}:3: the manifest is not valid UTF-8. Fix: re-export or convert it to UTF-8 (e.g. iconv -f latin1 -t utf-8 in.csv > out.csv).`);
  });

  it('accepts multi-byte characters that straddle read-chunk boundaries', async () => {
    // Reads are 256 KiB; put a 3-byte and a 4-byte character across the first boundaries.
    const header = 'id,url,title\n';
    const filler = `v0,https://x/a.mp4,${'a'.repeat(256 * 1024 - header.length - 'v0,https://x/a.mp4,'.length - 1)}`;
    const file = csvFile('straddle.csv', `${header}${filler}日本\nv1,https://x/b.mp4,${'b'.repeat(256 * 1024 - 40)}😀x\n`);
    const entries = await read(file);
    expect(entries.map((entry) => entry.kind)).toEqual(['item', 'item']);
    const titles = entries.map((entry) => (entry.kind === 'item' ? entry.item.fields.title! : ''));
    expect(titles[0]!.endsWith('日本')).toBe(true);
    expect(titles[1]!.endsWith('😀x')).toBe(true);
  });

  it('refuses a missing or unreadable file, or a folder', async () => {
    expect((await failure(path.join(dir, 'nope.csv'))).message).toContain('nope.csv: the manifest does not exist');
    expect((await failure(dir)).message).toContain(`${dir}: the manifest is a folder, not a CSV file. Fix: check source.path`);
    if (process.getuid?.() !== 0) {
      const locked = csvFile('locked.csv', 'id,url\n');
      chmodSync(locked, 0);
      expect((await failure(locked)).message).toContain('is not readable');
    }
  });

  it('streams a large manifest without holding it in memory', async () => {
    const rows = 200_000;
    const lines = ['id,url,title'];
    for (let index = 0; index < rows; index++) lines.push(`v${index},https://cdn.example.com/${index}.mp4,Clip ${index}`);
    const file = csvFile('big.csv', `${lines.join('\n')}\n`);
    lines.length = 0;
    global.gc?.();
    const before = process.memoryUsage().heapUsed;
    let count = 0;
    let maxGrowth = 0;
    for await (const entry of eachEntry(openCsvManifest({ path: file, columns }))) {
      if (entry.kind === 'item') count++;
      if (count % 20_000 === 0) maxGrowth = Math.max(maxGrowth, process.memoryUsage().heapUsed - before);
    }
    expect(count).toBe(rows);
    // The file is ~9 MB of text and 200k items; holding them would cost far more than this.
    expect(maxGrowth).toBeLessThan(60 * 1024 * 1024);
  });
});
