#!/usr/bin/env -S node --max-semi-space-size=64
import { ConfigError, loadConfig } from '../config/config.js';
import { StoreLockedError } from '../store/store.js';
import { UsageError } from './errors.js';

// Commands load lazily: `generate` should not pay for loading the database engine.
const USAGE = `usage:
  ledgerline run --input PATH... [--data-dir D] [--once] [--port N]      (embedded, all in one)
  ledgerline odoo --config odoo.json [--data-dir D] [--once] [--port N]  (follows an Odoo database: poller + webhook; docs/odoo.md)
  ledgerline debezium --config debezium.json [--data-dir D] [--once] [--port N]  (follows Debezium CDC topics of an Odoo database; docs/debezium.md)
  ledgerline ingest --input PATH... [--data-dir D]                       (distributed: to Kafka)
  ledgerline process [--drain] [--data-dir D]                            (distributed: a processor)
  ledgerline api [--port N] [--data-dir D]                               (the HTTP API on the store)
  ledgerline migrate [--data-dir D]                                      (the store's schema, once)
  ledgerline ledger [--as-of ISO] [--sku X] [--location Y] [--warehouse W] [--format json] [--data-dir D]
  ledgerline kpi NAME [--by DIM] [--grain day|week] [--from ISO] [--to ISO] [--format json] [--data-dir D]
  ledgerline kpi --list
  ledgerline sql "SELECT …" [--data-dir D]
  ledgerline models list [--kind forecast|anomaly]   ·   ledgerline models score [--as-of YYYY-MM-DD]
  ledgerline models train [--method auto] [--horizon 28] [--level 0.8] [--params JSON] [--origins 4] [--note TEXT]
  ledgerline models train --kind anomaly [--epochs 60]
  ledgerline models backtest VERSION   ·   ledgerline models promote VERSION [--kind …]   ·   ledgerline models rollback [--kind …]
                      (the model registry; every models command takes --data-dir D)
  ledgerline alerts evaluate   ·   ledgerline alerts list [--kind K] [--status open,acknowledged] [--severity S] [--owner ROLE]
                      [--sku X] [--warehouse W] [--since ISO] [--limit N] [--offset N] [--format json]
  ledgerline alerts show ID   ·   ack ID [--note TEXT]   ·   assign ID --to NAME   ·   resolve ID [--reason TEXT]
  ledgerline alerts dismiss ID --reason TEXT   ·   comment ID --text TEXT
  ledgerline alerts webhooks [--endpoint ID] [--seq N] [--limit N]        (the webhook delivery log)
                      (alerts and their lifecycle; actions are recorded under $USER; every alerts command takes --data-dir D)
  ledgerline keys create --role executive|buyer|finance|data_scientist|monitoring|admin --name N [--company C]… [--warehouse W]…
  ledgerline keys list   ·   ledgerline keys revoke ID          (API keys; every keys command takes --data-dir D)
  ledgerline dashboards build [--data-dir D]                              (the Evidence dashboards, once; docs/dashboards.md)
  ledgerline generate --seed N --days D --skus S --warehouses W --out DIR [--start YYYY-MM-DD]
                      [--late-share 0.05] [--late-max-days 3] [--dup-share 0.005]
  ledgerline forecast --input series.csv --horizon H --out forecast.csv [--level 0.8] [--method auto]
                      [--timestamp-col ts] [--value-col value] [--id-col id] [--workers N]
  ledgerline anomaly score --input series.csv --out scores.csv [--timestamp-col ts] [--value-col value] [--id-col id]
Inputs: events.jsonl, data.csv (with data.csv.mapping.json or data.csv=mapping.json), generator:seed=1,days=30,skus=20,warehouses=2.
Settings come from the environment or .env (see .env.example).`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'run':
      return (await import('./run-command.js')).runCommand(rest, loadConfig());
    case 'odoo':
      return (await import('./odoo-command.js')).odooCommand(rest, loadConfig());
    case 'debezium':
      return (await import('./debezium-command.js')).debeziumCommand(rest, loadConfig());
    case 'ingest':
      return (await import('./ingest-command.js')).ingestCommand(rest, loadConfig());
    case 'process':
      return (await import('./process-command.js')).processCommand(rest, loadConfig());
    case 'api':
      return (await import('./api-command.js')).apiCommand(rest, loadConfig());
    case 'migrate':
      return (await import('./migrate-command.js')).migrateCommand(rest, loadConfig());
    case 'ledger':
      return (await import('./ledger-command.js')).ledgerCommand(rest, loadConfig());
    case 'kpi':
      return (await import('./kpi-command.js')).kpiCommand(rest, loadConfig());
    case 'sql':
      return (await import('./sql-command.js')).sqlCommand(rest, loadConfig());
    case 'models':
      return (await import('./models-command.js')).modelsCommand(rest, loadConfig());
    case 'alerts':
      if (rest[0] === 'webhooks') return (await import('./webhooks-command.js')).webhooksCommand(rest.slice(1), loadConfig());
      return (await import('./alerts-command.js')).alertsCommand(rest, loadConfig());
    case 'keys':
      return (await import('./keys-command.js')).keysCommand(rest, loadConfig());
    case 'dashboards':
      return (await import('./dashboards-command.js')).dashboardsCommand(rest, loadConfig());
    case 'generate':
      return (await import('./generate-command.js')).generateCommand(rest);
    case 'forecast':
      return (await import('./forecast-command.js')).forecastCommand(rest);
    case 'anomaly':
      return (await import('./anomaly-command.js')).anomalyCommand(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

/** Exits once stdout is flushed: to a pipe it is written asynchronously, and exit would cut it. */
function exit(code: number): void {
  process.stdout.write('', () => process.exit(code));
}

main(process.argv.slice(2)).then(
  (code) => exit(code),
  (e: unknown) => {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`ledgerline: ${(e as Error).message}\n${USAGE}\n`);
      return exit(2);
    }
    // By name: the ClickHouse and Kafka clients, the registry and the forecasters load only for the commands that use them.
    if (e instanceof StoreLockedError || e instanceof ConfigError || ['ClickHouseStoreError', 'KafkaBusError', 'RegistryError', 'ForecastSpecError', 'AnomalyModelError', 'ModelFilesError'].includes((e as Error).name)) {
      process.stderr.write(`ledgerline: ${(e as Error).message}\n`);
      return exit(1);
    }
    if ((e as Error).name?.startsWith('Chdb')) {
      // An engine error (bad SQL, readonly refusal): its message is the useful part, not our stack.
      process.stderr.write(`ledgerline: the store refused: ${(e as Error).message}\n`);
      return exit(1);
    }
    process.stderr.write(`ledgerline: failed: ${(e as Error).stack ?? String(e)}\n`);
    exit(1);
  },
);
