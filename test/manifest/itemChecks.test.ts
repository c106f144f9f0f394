// Rows a job's target would refuse are rejected while the manifest is read — each with its
// file:line, what is wrong and the fix — and the other rows go on. Also the manifest details that
// used to confuse: blank lines, another delimiter than the job says.

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.ts';
import { eachEntry } from '../../src/manifest/batching.ts';
import type { ItemChecks } from '../../src/manifest/itemChecks.ts';
import { openManifest, type ManifestSpec } from '../../src/manifest/open.ts';
import type { ManifestEntry } from '../../src/manifest/types.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'ferry-checks-'));
const byUrl: ItemChecks = { source: 'url', fieldLimits: { title: 10, description: 20 }, limitReason: 'the API takes metadata in the URL' };
const byFile: ItemChecks = { source: 'file', fieldLimits: {} };

function csvFile(name: string, content: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
}

async function read(spec: ManifestSpec): Promise<ManifestEntry[]> {
  const entries: ManifestEntry[] = [];
  for await (const entry of eachEntry(openManifest(spec))) entries.push(entry);
  return entries;
}

const csv = (file: string, checks?: ItemChecks, delimiter?: string): ManifestSpec => ({
  type: 'csv',
  path: file,
  columns: { key: 'id', source: 'url', title: 'title', description: 'description' },
  ...(delimiter ? { delimiter } : {}),
  ...(checks ? { checks } : {}),
});

function outcome(entries: ManifestEntry[]): [string, string][] {
  return entries.map((entry) => (entry.kind === 'item' ? [entry.item.key, 'ok'] : [entry.row.key, entry.row.reason]));
}

describe('item checks at planning', () => {
  it('rejects a row whose mapped field is over its limit, naming line, field, length, limit and fix; the others go on', async () => {
    const file = csvFile('long.csv', `id,url,title,description\nshort,https://x.example/a.mp4,Short,fine\nlong,https://x.example/b.mp4,ok,${'d'.repeat(1_000_000)}\nemoji,https://x.example/c.mp4,${'😀'.repeat(10)},\n`);
    const entries = await read(csv(file, byUrl));
    expect(outcome(entries).map(([key, result]) => [key, result === 'ok' ? 'ok' : 'rejected'])).toEqual([
      ['short', 'ok'],
      ['long', 'rejected'],
      ['emoji', 'ok'], // ten characters, twenty UTF-16 units: the limit counts characters
    ]);
    const rejected = entries[1]!;
    expect(rejected.kind).toBe('rejected');
    if (rejected.kind !== 'rejected') return;
    expect(rejected.row.reason).toBe(
      `${file}:3: the description is 1,000,000 characters long, over the limit of 20 (the API takes metadata in the URL). Fix: shorten the description in the manifest to at most 20 characters`,
    );
    expect(rejected.row.source).toBe('https://x.example/b.mp4');
  });

  it('rejects a source that is not an http(s) URL as such when the target fetches URLs', async () => {
    const file = csvFile('kinds.csv', 'id,url,title,description\njs,javascript:alert(1),t,\nwords,not a url,t,\npath,media/a.mp4,t,\nftp,ftp://x.example/a.mp4,t,\ngood,https://x.example/a.mp4?sig=s3cret,t,\n');
    const entries = outcome(await read(csv(file, byUrl)));
    expect(entries.slice(0, 4).map(([, reason]) => reason)).toEqual([
      expect.stringMatching(new RegExp(`^${file}:2: the source "javascript:alert\\(1\\)" is not an http\\(s\\) URL, and this job's target fetches every source by URL\\. Fix: `)),
      expect.stringContaining(`${file}:3: the source "not a url" is not an http(s) URL`),
      expect.stringContaining(`${file}:4: the source "media/a.mp4" is not an http(s) URL`),
      expect.stringContaining(`${file}:5: the source "ftp://x.example/a.mp4" is not an http(s) URL`),
    ]);
    for (const [, reason] of entries) expect(reason).not.toMatch(/target\.mode|file path/);
    expect(entries[4]).toEqual(['good', 'ok']);
  });

  it('rejects a URL where the target uploads local files', async () => {
    const file = csvFile('files.csv', 'id,url,title,description\nweb,https://x.example/a.mp4,t,\nlocal,media/a.mp4,t,\n');
    const entries = outcome(await read(csv(file, byFile)));
    expect(entries[0]![1]).toBe(
      `${file}:2: the source "https://x.example/a.mp4" is a URL where a local file is expected: this job's target uploads files from this machine. Fix: give the file's path (relative to the manifest's folder), or use a job whose target fetches URLs`,
    );
    expect(entries[1]).toEqual(['local', 'ok']);
  });

  it('checks glob items too (a glob served over HTTP is a URL source)', async () => {
    const root = path.join(dir, 'tree');
    mkdirSync(root, { recursive: true });
    writeFileSync(path.join(root, 'a.mp4'), 'x');
    const served: ManifestSpec = { type: 'glob', root, include: ['*.mp4'], publicBaseUrl: 'https://media.example/', checks: byUrl };
    expect(outcome(await read(served))).toEqual([['a.mp4', 'ok']]);
    const unserved: ManifestSpec = { type: 'glob', root, include: ['*.mp4'], checks: byUrl };
    expect(outcome(await read(unserved))[0]![1]).toMatch(/a\.mp4: the source ".*a\.mp4" is not an http\(s\) URL/);
  });
});

describe('manifest details that used to confuse', () => {
  it('skips a whitespace-only line (and a line of empty cells) instead of failing an item', async () => {
    const file = csvFile('blank.csv', 'id,url,title,description\n   \na,https://x.example/a.mp4,A,\n\t \n,,,\nb,https://x.example/b.mp4,B,\n  \n');
    expect(outcome(await read(csv(file)))).toEqual([
      ['a', 'ok'],
      ['b', 'ok'],
    ]);
  });

  it.each([
    [';', 'id;url;title;description'],
    ['\t', 'id\turl\ttitle\tdescription'],
  ])('suggests source.delimiter when the header reads as one column holding %j', async (delimiter, header) => {
    const file = csvFile(`delim-${delimiter === ';' ? 'semi' : 'tab'}.csv`, `${header}\n${header.replaceAll('id', 'a')}\n`);
    const error = await read(csv(file)).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain(`${file}:1: the header row reads as one single column`);
    expect((error as Error).message).toContain(`Fix: set "delimiter": ${JSON.stringify(delimiter)} in the job file's source section (source.delimiter).`);
    // With that delimiter, the same file reads.
    expect(outcome(await read(csv(file, undefined, delimiter)))).toEqual([['a', 'ok']]);
  });
});
