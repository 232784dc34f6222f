/**
 * Evidence datasource for ClickHouse over @clickhouse/client: a ClickHouse server, or Ledgerline's
 * read-only reader (the engine's store, chDB included; see docs/dashboards.md). Only `.sql` files
 * are queries; rows stream in batches; column types map onto Evidence's four.
 */
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';

/** What connection.yaml (or EVIDENCE_SOURCE__<source>__<option>) may set. */
export const options = {
  url: { title: 'URL', type: 'string', required: true, description: 'ClickHouse HTTP(S) URL, e.g. http://127.0.0.1:8123' },
  token: { title: 'Bearer token', type: 'string', secret: true, description: 'Sent as Authorization: Bearer (Ledgerline\'s reader); leave empty to use username/password.' },
  username: { title: 'User', type: 'string', default: 'default' },
  password: { title: 'Password', type: 'string', secret: true, default: '' },
  database: { title: 'Database', type: 'string', default: 'default' },
  timeout_seconds: { title: 'Query timeout (s)', type: 'number', default: 300 },
};

/** ClickHouse type → Evidence type; wrappers (Nullable, LowCardinality) are looked through. */
export function evidenceType(clickhouseType) {
  let t = clickhouseType.trim();
  for (let m; (m = /^(?:Nullable|LowCardinality)\((.*)\)$/.exec(t)); ) t = m[1].trim();
  if (/^(U?Int\d+|Float\d+|Decimal(\d+)?(\(.*\))?|BFloat16)$/.test(t)) return 'number';
  if (/^(Date|Date32|DateTime|DateTime64)(\(.*\))?$/.test(t)) return 'date';
  if (/^Bool(ean)?$/.test(t)) return 'boolean';
  return 'string';
}

/** One JSON value of `type` as Evidence wants it (64-bit numbers and decimals may arrive quoted). */
function converter(type) {
  switch (type) {
    case 'number':
      return (v) => (v === null ? null : Number(v));
    case 'date':
      // ISO (the reader and date_time_output_format=iso) or 'YYYY-MM-DD[ hh:mm:ss]', both UTC.
      return (v) => (v === null ? null : new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(v) || v.length === 10 ? v : `${v.replace(' ', 'T')}Z`));
    case 'boolean':
      return (v) => (v === null ? null : v === true || v === 1 || v === 'true');
    default:
      return (v) => (v === null ? null : typeof v === 'string' ? v : JSON.stringify(v));
  }
}

function client(opts) {
  if (!opts?.url) throw new Error('the clickhouse source needs a url (connection.yaml options.url or EVIDENCE_SOURCE__<source>__url)');
  const auth = opts.token ? { access_token: opts.token } : { username: opts.username ?? 'default', password: opts.password ?? '' };
  return createClient({
    url: opts.url,
    ...auth,
    database: opts.database ?? 'default',
    request_timeout: Number(opts.timeout_seconds ?? 300) * 1000,
    compression: { request: false, response: false },
    // Errors are thrown with the query's path; the client's own log would print each twice.
    log: { level: ClickHouseLogLevel.OFF },
    clickhouse_settings: { date_time_output_format: 'iso', output_format_json_quote_64bit_integers: 0 },
  });
}

/** @type {import('@evidence-dev/db-commons').GetRunner<Record<string, string>>} */
export async function getRunner(opts) {
  return async (queryText, queryPath, batchSize = 100_000) => {
    if (!queryPath.endsWith('.sql')) return null;
    if (queryText === null) throw new Error(`${queryPath}: the query is too large to read`);
    const ch = client(opts);
    try {
      const result = await ch.query({ query: queryText.trim().replace(/;\s*$/, ''), format: 'JSONCompactEachRowWithNamesAndTypes' });
      const iterator = result.stream()[Symbol.asyncIterator]();
      // The first two lines are the column names and types; the rows follow.
      const header = [];
      let pending = [];
      while (header.length < 2) {
        const { value, done } = await iterator.next();
        if (done) throw new Error(`${queryPath}: the server sent no column names and types`);
        for (const row of value) (header.length < 2 ? header : pending).push(row.json());
      }
      const [names, types] = header;
      const columnTypes = names.map((name, i) => ({ name, evidenceType: evidenceType(types[i]), typeFidelity: 'precise' }));
      const convert = columnTypes.map((c) => converter(c.evidenceType));
      const toRecord = (values) => Object.fromEntries(values.map((v, i) => [names[i], convert[i](v)]));
      const size = batchSize ?? 100_000;
      async function* rows() {
        try {
          let batch = pending.map(toRecord);
          pending = [];
          for (;;) {
            if (batch.length >= size) {
              yield batch;
              batch = [];
            }
            const { value, done } = await iterator.next();
            if (done) break;
            for (const row of value) batch.push(toRecord(row.json()));
          }
          if (batch.length) yield batch;
        } finally {
          await ch.close();
        }
      }
      return { rows, columnTypes, expectedRowCount: undefined };
    } catch (e) {
      await ch.close();
      throw new Error(`${queryPath}: ${e.message}`);
    }
  };
}

/** @type {import('@evidence-dev/db-commons').ConnectionTester<Record<string, string>>} */
export async function testConnection(opts) {
  const ch = client(opts);
  try {
    const ping = await ch.ping();
    return ping.success ? true : { reason: `cannot reach ${opts.url}: ${ping.error?.message ?? 'no answer'}` };
  } finally {
    await ch.close();
  }
}
