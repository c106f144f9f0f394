// JSON Schemas of job and config files, generated from the one zod schema (schema.ts) for
// editors: a file whose `$schema` names one gets completion, descriptions and checks of every
// key as it is typed. `ferry schema job|config` prints them; schemas/*.schema.json are the
// committed copies the bundled examples point at (`npm run gen:schemas`; a test keeps them in
// step). Draft-07, the draft every common editor's JSON support understands fully.
//
// Rules that need the whole job (a target's `checkJob`, e.g. glob + Cincopa from_url needs
// publicBaseUrl) are not expressible here; `ferry validate --offline` checks those.

import { z } from 'zod';
import { configSchema, jobSchema } from './schema.ts';

export const SCHEMA_KINDS = ['job', 'config'] as const;
export type SchemaKind = (typeof SCHEMA_KINDS)[number];

/** Where the committed copy of each schema lives, relative to the repository root. */
export const SCHEMA_FILES: Record<SchemaKind, string> = { job: 'schemas/job.schema.json', config: 'schemas/config.schema.json' };

const TITLES: Record<SchemaKind, string> = { job: 'ferry job file', config: 'ferry config file' };

export function jsonSchemaOf(kind: SchemaKind): Record<string, unknown> {
  // io 'input': what a person writes (defaults make a key optional), not what ferry makes of it.
  const generated = z.toJSONSchema(kind === 'job' ? jobSchema : configSchema, { io: 'input', target: 'draft-7' });
  const { $schema, ...rest } = generated;
  return { $schema, title: TITLES[kind], ...rest };
}

export function renderJsonSchema(kind: SchemaKind): string {
  return `${JSON.stringify(jsonSchemaOf(kind), null, 2)}\n`;
}
