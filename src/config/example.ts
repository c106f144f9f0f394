// Renders config.example.json from the schema: every key with its description as a comment
// and its default as the value. Optional secrets are shown commented out, so copying the
// example never puts a placeholder token into use; so is an optional section without a default
// (e.g. cincopa.webhook), whose required keys have no value to show: the example must parse to
// exactly the defaults. Its `$schema` points editors at schemas/config.schema.json.

import { z } from 'zod';
import { TARGETS } from '../targets/registry.ts';
import { SCHEMA_FILES } from './jsonSchema.ts';
import { configSchema } from './schema.ts';

/** The example sits at the repository root, beside schemas/. */
export const CONFIG_EXAMPLE_SCHEMA_REFERENCE = `./${SCHEMA_FILES.config}`;

interface JsonSchemaNode {
  description?: string;
  default?: unknown;
  type?: string;
  properties?: Record<string, JsonSchemaNode>;
  required?: string[];
  enum?: unknown[];
}

export function renderConfigExample(): string {
  const root = z.toJSONSchema(configSchema, { io: 'input' }) as JsonSchemaNode;
  const lines = [
    '// ferry config: copy to ferry.config.json (or pass --config <file>, or set FERRY_CONFIG).',
    '// Generated from src/config/schema.ts by `npm run gen:schemas`; comments are allowed.',
    `// ${root.description ?? ''}`,
    ...renderObject(root, '', 0),
  ];
  return `${lines.join('\n')}\n`;
}

function renderObject(node: JsonSchemaNode, _name: string, depth: number): string[] {
  const indent = '  '.repeat(depth);
  const entries = Object.entries(node.properties ?? {});
  const out = [`${indent}{`];
  entries.forEach(([key, child], index) => {
    const inner = '  '.repeat(depth + 1);
    const comma = index < entries.length - 1 ? ',' : '';
    const choices = child.enum ? ` One of: ${child.enum.map((value) => JSON.stringify(value)).join(', ')}.` : '';
    if (child.description) out.push(`${inner}// ${child.description}${choices}`);
    if (child.type === 'object' && child.properties) {
      const nested = renderObject(child, key, depth + 1);
      const lines = [`${inner}${JSON.stringify(key)}: ${nested[0]!.trimStart()}`, ...nested.slice(1, -1), `${nested.at(-1)}${comma}`];
      const optional = child.default === undefined && !(node.required ?? []).includes(key);
      out.push(...(optional ? lines.map((line) => `${inner}// ${line.slice(inner.length)}`) : lines));
    } else if (depth === 0 && key === '$schema') {
      out.push(`${inner}${JSON.stringify(key)}: ${JSON.stringify(CONFIG_EXAMPLE_SCHEMA_REFERENCE)}${comma}`);
    } else if (child.default === undefined) {
      out.push(`${inner}// ${JSON.stringify(key)}: ${JSON.stringify(placeholder(key))}${comma}`);
    } else {
      out.push(`${inner}${JSON.stringify(key)}: ${JSON.stringify(child.default)}${comma}`);
    }
  });
  out.push(`${indent}}`);
  return out;
}

function placeholder(key: string): string {
  const secret = TARGETS.flatMap((registration) => registration.secrets).find((spec) => spec.key === key);
  if (secret) return `<${secret.label}; prefer ${secret.env}>`;
  if (key === 'dir') return '/var/lib/ferry';
  return `<${key}>`;
}
