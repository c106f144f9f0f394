// `ferry sandbox --cintoo <file>`: the emulator's settings from a JSON file, checked key by key.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCintooOptions } from '../../src/sandbox/cintoo/options.ts';
import { runFerry } from '../helpers/cli.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'ferry-cintoo-options-'));
const write = (name: string, content: string): string => {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
};

describe('ferry sandbox --cintoo', () => {
  it('reads a JSON object of settings', () => {
    expect(loadCintooOptions(write('ok.json', JSON.stringify({ reRegister: 'same-file', blobSasPermissions: 'rcw', accessTokenTtlSec: 2 })))).toMatchObject({ reRegister: 'same-file', blobSasPermissions: 'rcw', accessTokenTtlSec: 2, blobNameOnResign: 'new' });
  });

  it('exits 2 naming the file, the key and the fix when a setting is wrong', async () => {
    const file = write('bad.json', JSON.stringify({ reRegister: 'sometimes' }));
    const result = await runFerry(['sandbox', '--port', '4790', '--cintoo', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${file}: reRegister`);
    expect(result.stderr).toMatch(/Fix: the keys are .*blobSasPermissions/);
    expect(() => loadCintooOptions(write('notjson.json', '{'))).toThrow(/notjson\.json: the Cintoo sandbox options cannot be read as JSON/);
    expect(() => loadCintooOptions(write('unknown.json', '{"colour":"red"}'))).toThrow(/unknown\.json: .*colour/);
  });
});
