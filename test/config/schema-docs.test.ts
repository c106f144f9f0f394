import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderConfigExample } from '../../src/config/example.ts';
import { stripJsonComments } from '../../src/config/jsonc.ts';
import { loadConfig, loadJob } from '../../src/config/load.ts';
import { configSchema } from '../../src/config/schema.ts';

const root = path.resolve(import.meta.dirname, '../..');

describe('config and job documentation', () => {
  it('config.example.json is what the schema generates (run npm run gen:config-example)', () => {
    expect(readFileSync(path.join(root, 'config.example.json'), 'utf8')).toBe(renderConfigExample());
  });

  it('config.example.json parses to exactly the defaults', () => {
    const parsed: unknown = JSON.parse(stripJsonComments(readFileSync(path.join(root, 'config.example.json'), 'utf8')));
    expect(configSchema.parse(parsed)).toEqual(configSchema.parse({}));
    expect(loadConfig(path.join(root, 'config.example.json')).config).toEqual(configSchema.parse({}));
  });

  it('every bundled job file is valid', () => {
    const config = configSchema.parse({});
    const files = readdirSync(path.join(root, 'jobs')).filter((name) => name.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(6);
    for (const file of files) {
      const loaded = loadJob(path.join(root, 'jobs', file), config);
      expect(loaded.name).toMatch(/^[A-Za-z0-9._-]+$/);
    }
  });

  it('refuses a glob source with Cincopa from_url unless the files are served somewhere', () => {
    const config = configSchema.parse({});
    expect(() => loadJob(path.join(root, 'test/fixtures/glob-from-url-without-base.json'), config)).toThrow(/target\.mode: a glob source yields local files.*Fix: set target\.mode to "direct"/);
  });
});
