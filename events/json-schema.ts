import { EXAMPLES } from './examples.js';
import { ErpEventSchema, EVENT_SCHEMAS } from './schema.js';

/** The union as a standalone JSON Schema (draft 2020-12) document. */
export function jsonSchemaText(): string {
  const doc = { $schema: 'https://json-schema.org/draft/2020-12/schema', ...JSON.parse(JSON.stringify(ErpEventSchema)) };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** docs/events.md: the rules in words, then every type with its description, fields and an example. */
export function eventsDocText(): string {
  const parts = [
    `# Canonical events (schema version 1)

Every source (JSONL files, CSV with a mapping, the generator; later Odoo and Debezium) turns its
records into these events. They are validated once, at the edge (\`events/validate.ts\`); a record
that fails goes to the \`dead_letters\` table with its raw text, source, position and the reason.
The machine-readable schema is [\`schema/events.schema.json\`](../schema/events.schema.json)
(JSON Schema 2020-12). This file and that one are generated from \`events/schema.ts\` by
\`npm run gen\`; a test fails when they are out of date.

## Rules every event follows
- \`type\` selects the variant; unknown fields are rejected (a typo must not silently drop data).
- \`event_id\` is deterministic: \`source/type/record_id@version\`. Sources may leave it (and
  \`schema_version\`) out; it is computed. When given it must match, so deduplication can trust it.
- \`version\` increases with every change of the record in the source. For state-like records
  (order lines, reservations) the highest version wins whatever the arrival order; a done
  \`stock_move\` normally has one version, and a later version replaces its quantity. A later
  version must keep the move's SKU and warehouses (Odoo locks them on done moves): the ledger
  of a warehouse the move no longer touches would not hear of the correction.
- \`occurred_at\` is event time (when it happened in the ERP), an ISO-8601 instant with a zone;
  all figures use it, never arrival time. \`ingested_at\` is filled in at ingest.
- Timestamps must be real calendar instants between 1990 and 2100; quantities and prices are
  0…1e9 (a stock move's quantity is > 0); anything else is an input error.
- Stock changes on the ledger only through \`stock_move\`. Internal and transit locations hold
  stock; supplier, customer, inventory, production and scrap locations are the outside world.
  An internal or transit side must name its warehouse. A transfer between warehouses is one move
  whose two sides belong to different warehouses.
- Counts (\`inventory_count\`) and quality checks record what was found; the resulting adjustment or
  release is its own \`stock_move\` (as in Odoo).
`,
  ];
  for (const [type, schema] of Object.entries(EVENT_SCHEMAS)) {
    const props = (schema as unknown as { properties: Record<string, { description?: string }> }).properties;
    const own = Object.keys(props).filter((k) => !['schema_version', 'event_id', 'source', 'record_id', 'version', 'company', 'occurred_at', 'ingested_at', 'type'].includes(k));
    parts.push(
      `## \`${type}\`\n\n${schema.description}\n\nFields besides the common ones: ${own.map((f) => `\`${f}\``).join(', ')}.\n\n` +
        '```json\n' +
        `${JSON.stringify(EXAMPLES[type as keyof typeof EXAMPLES])}\n` +
        '```\n',
    );
  }
  return parts.join('\n');
}
