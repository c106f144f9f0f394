import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'jsonc-parser';
import { describe, expect, it } from 'vitest';
import { CONFIG_EXAMPLE_SCHEMA_REFERENCE, renderConfigExample } from '../../src/config/example.ts';
import { jsonSchemaOf, renderJsonSchema, SCHEMA_FILES, SCHEMA_KINDS } from '../../src/config/jsonSchema.ts';
import { loadConfig, loadJob } from '../../src/config/load.ts';
import { configSchema } from '../../src/config/schema.ts';

const root = path.resolve(import.meta.dirname, '../..');
const jobFiles = readdirSync(path.join(root, 'jobs')).filter((name) => name.endsWith('.json'));
const readJsonc = (file: string): unknown => parse(readFileSync(file, 'utf8'), [], { allowTrailingComma: true });

describe('config and job documentation', () => {
  it('config.example.json is what the schema generates (run npm run gen:schemas)', () => {
    expect(readFileSync(path.join(root, 'config.example.json'), 'utf8')).toBe(renderConfigExample());
  });

  it('config.example.json parses to exactly the defaults, beside its $schema', () => {
    const parsed = readJsonc(path.join(root, 'config.example.json'));
    const defaults = configSchema.parse({});
    expect(configSchema.parse(parsed)).toEqual({ ...defaults, $schema: CONFIG_EXAMPLE_SCHEMA_REFERENCE });
    expect(loadConfig(path.join(root, 'config.example.json')).config).toEqual({ ...defaults, $schema: CONFIG_EXAMPLE_SCHEMA_REFERENCE });
  });

  it('every bundled job file is valid', () => {
    const config = configSchema.parse({});
    expect(jobFiles.length).toBeGreaterThanOrEqual(6);
    for (const file of jobFiles) {
      const loaded = loadJob(path.join(root, 'jobs', file), config);
      expect(loaded.name).toMatch(/^[A-Za-z0-9._-]+$/);
    }
  });

  it('refuses a glob source with Cincopa from_url unless the files are served somewhere', () => {
    const config = configSchema.parse({});
    expect(() => loadJob(path.join(root, 'test/fixtures/glob-from-url-without-base.json'), config)).toThrow(/target\.mode: a glob source yields local files.*Fix: set target\.mode to "direct"/);
  });
});

describe('editor schemas', () => {
  it.each(SCHEMA_KINDS)('schemas/%s.schema.json is what the schema generates (run npm run gen:schemas)', (kind) => {
    expect(readFileSync(path.join(root, SCHEMA_FILES[kind]), 'utf8')).toBe(renderJsonSchema(kind));
  });

  it('the bundled job files and config.example.json name their schema, and the path resolves', () => {
    for (const file of [...jobFiles.map((name) => path.join(root, 'jobs', name)), path.join(root, 'config.example.json')]) {
      const reference = (readJsonc(file) as { $schema?: string }).$schema;
      expect(reference, file).toBeTypeOf('string');
      const kind = file.endsWith('config.example.json') ? 'config' : 'job';
      expect(path.resolve(path.dirname(file), reference!), file).toBe(path.join(root, SCHEMA_FILES[kind]));
    }
  });

  // What an editor does with the schema: a standard JSON Schema validator accepts every bundled
  // file and refuses what ferry refuses.
  // Formats (uri) are the editor's business; the schema's structure is what is checked here.
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
  const validateJob = ajv.compile(jsonSchemaOf('job'));
  const validateConfig = ajv.compile(jsonSchemaOf('config'));

  it('accepts every bundled job file and the config example', () => {
    for (const file of jobFiles) expect(validateJob(readJsonc(path.join(root, 'jobs', file))), `${file}: ${ajv.errorsText(validateJob.errors)}`).toBe(true);
    expect(validateConfig(readJsonc(path.join(root, 'config.example.json'))), ajv.errorsText(validateConfig.errors)).toBe(true);
  });

  it('refuses a misspelt key, a wrong type, an unknown target and a missing required key', () => {
    const job = readJsonc(path.join(root, 'jobs', 'csv-cincopa-from-url.json')) as Record<string, unknown>;
    expect(validateJob({ ...job, chnagePolicy: 'ignore' })).toBe(false);
    expect(validateJob({ ...job, runner: { concurrency: '8' } })).toBe(false);
    expect(validateJob({ ...job, target: { type: 'vimeo' } })).toBe(false);
    const { source: _source, ...withoutSource } = job;
    expect(validateJob(withoutSource)).toBe(false);
    expect(validateConfig({ cincopa: { apiUrl: 'https://api.example.com/v2', requestTimeoutMs: -1 } })).toBe(false);
    expect(validateConfig({ runner: { concurency: 4 } })).toBe(false);
  });
});
