/**
 * The Debezium connection file (`ledgerline debezium --config debezium.json`): which Kafka, which
 * topics (Debezium's `topic.prefix` + schema + tables), which consumer group, and what the Odoo
 * mapping needs to know (Odoo version, companies, quarantine locations). Validated at start with
 * every problem listed.
 */
import { readFile } from 'node:fs/promises';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { NEEDS, OPTIONAL_TABLES, TABLES, type OdooTable } from './debezium-rows.js';

export const DebeziumConfigSchema = Type.Object(
  {
    brokers: Type.Array(Type.String({ pattern: '^[^\\s,]+:[0-9]+$' }), { minItems: 1, description: 'Kafka bootstrap servers, e.g. ["kafka-1:9092"].' }),
    topic_prefix: Type.String({ minLength: 1, pattern: '^[A-Za-z0-9._-]+$', description: "The connector's topic.prefix: topics are <topic_prefix>.<schema>.<table>." }),
    schema: Type.String({ minLength: 1, default: 'public', description: 'The PostgreSQL schema of the Odoo tables.' }),
    tables: Type.Array(Type.Union(TABLES.map((t) => Type.Literal(t))), {
      minItems: 1,
      uniqueItems: true,
      default: [...TABLES],
      description: `The tables followed (the connector's table.include.list): ${TABLES.join(', ')}; ${OPTIONAL_TABLES.join(', ')} may be left out.`,
    }),
    group_id: Type.String({ minLength: 1, default: 'ledgerline-debezium', description: 'The Kafka consumer group: one per Ledgerline data directory. Its committed offsets follow what is durable in the event log.' }),
    client_id: Type.String({ minLength: 1, default: 'ledgerline-debezium' }),
    odoo_version: Type.Integer({ minimum: 17, maximum: 99, description: 'The Odoo major version of the database (17, 18, 19): the column names differ. 16 is not supported (its reserved quantity is not a column).' }),
    source: Type.String({ minLength: 1, maxLength: 100, pattern: '^[^/@]+$', default: 'odoo-cdc', description: 'The `source` of every event: part of every event id, so keep it once chosen.' }),
    companies: Type.Optional(
      Type.Record(Type.String({ pattern: '^[0-9]+$' }), Type.String({ minLength: 1, maxLength: 200 }), {
        description: 'Odoo company id → Ledgerline company code, e.g. {"1": "acme"}; only these companies are followed. Absent: every company, named as in res_company.',
      }),
    ),
    quarantine_locations: Type.Array(Type.String({ minLength: 1 }), { default: [], description: 'Internal locations (complete names, e.g. WH/Quality) whose stock is held; their children too.' }),
    poll_seconds: Type.Number({ minimum: 0.1, maximum: 3600, default: 2, description: 'Pause between two drains of the topics when following.' }),
    drain_timeout_seconds: Type.Number({ minimum: 1, maximum: 3600, default: 300, description: 'A drain that gets no message for this long while the topics have more is a failure (broker unreachable).' }),
  },
  { additionalProperties: false },
);

export type DebeziumConfigFile = Static<typeof DebeziumConfigSchema>;

export interface DebeziumConfig extends DebeziumConfigFile {
  companyCodes: Map<number, string>;
}

export class DebeziumConfigError extends Error {
  override name = 'DebeziumConfigError';
}

export async function loadDebeziumConfig(path: string): Promise<DebeziumConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new DebeziumConfigError(`Debezium config ${path}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); see docs/debezium.md for an example`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new DebeziumConfigError(`Debezium config ${path}: not valid JSON (${(e as Error).message})`);
  }
  return parseDebeziumConfig(json, path);
}

export function parseDebeziumConfig(json: unknown, where: string): DebeziumConfig {
  const withDefaults = Value.Default(DebeziumConfigSchema, structuredClone(json)) as Record<string, unknown>;
  const problems = [...Value.Errors(DebeziumConfigSchema, withDefaults)].map((e) => {
    const field = e.path.slice(1) || '(top level)';
    const description = (e.schema as { description?: string }).description;
    return `${field}: ${e.message}${e.value !== undefined && typeof e.value !== 'object' ? ` (got ${JSON.stringify(e.value)})` : ''}${description ? ` — ${description}` : ''}`;
  });
  if (problems.length) throw new DebeziumConfigError(`Debezium config ${where} is invalid:\n  ${[...new Set(problems)].join('\n  ')}`);
  const file = withDefaults as DebeziumConfigFile;
  const needed = TABLES.filter((t) => !OPTIONAL_TABLES.includes(t) && !(file.tables as OdooTable[]).includes(t));
  if (needed.length) throw new DebeziumConfigError(`Debezium config ${where} is invalid:\n  tables: ${needed.join(', ')} are needed (moves refer to them); only ${OPTIONAL_TABLES.join(', ')} may be left out`);
  const followed = file.tables as OdooTable[];
  const lacking = followed.flatMap((t) => {
    const missing = (NEEDS[t] ?? []).filter((n) => !followed.includes(n));
    return missing.length ? [`${t} needs ${missing.join(', ')} (its rows are mapped with them): add them to tables and to the connector's table.include.list, or leave ${t} out`] : [];
  });
  if (lacking.length) throw new DebeziumConfigError(`Debezium config ${where} is invalid:\n  tables: ${lacking.join('\n  tables: ')}`);
  const companyCodes = new Map(Object.entries(file.companies ?? {}).map(([id, code]) => [Number(id), code]));
  return { ...file, companyCodes };
}

/** The Kafka topic of a table, as Debezium names it. */
export function topicOf(config: Pick<DebeziumConfig, 'topic_prefix' | 'schema'>, table: OdooTable): string {
  return `${config.topic_prefix}.${config.schema}.${table}`;
}
