import { ErpEventSchema } from './schema.js';

/** The union as a standalone JSON Schema (draft 2020-12) document. */
export function jsonSchemaText(): string {
  const doc = { $schema: 'https://json-schema.org/draft/2020-12/schema', ...JSON.parse(JSON.stringify(ErpEventSchema)) };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
