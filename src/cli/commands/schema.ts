import { renderJsonSchema, type SchemaKind } from '../../config/jsonSchema.ts';

export function schemaCommand(kind: SchemaKind): void {
  process.stdout.write(renderJsonSchema(kind));
}
