// Writes everything generated from the zod schema (src/config/schema.ts): config.example.json
// and the editors' JSON Schemas in schemas/. A test fails when any of them drifts.
import { mkdirSync, writeFileSync } from 'node:fs';
import { renderConfigExample } from '../src/config/example.ts';
import { renderJsonSchema, SCHEMA_FILES, SCHEMA_KINDS } from '../src/config/jsonSchema.ts';

const root = new URL('../', import.meta.url);
writeFileSync(new URL('config.example.json', root), renderConfigExample());
mkdirSync(new URL('schemas/', root), { recursive: true });
for (const kind of SCHEMA_KINDS) writeFileSync(new URL(SCHEMA_FILES[kind], root), renderJsonSchema(kind));
