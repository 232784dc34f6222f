/**
 * `npm run bench:kpi`: KPI API latency over a large store of outcome facts.
 *
 * Fills a fresh data directory with synthetic outcome facts straight in the engine (BENCH_FACTS,
 * default 20M: 16M sales lines, 3M purchase lines, 1M counts, over two years, 8 warehouses, 5000
 * SKUs, 2000 customers, 100 vendors; written in 1M-row inserts like a long-running pipeline), then
 * serves the API on 127.0.0.1 and times BENCH_REQUESTS requests (default 100) cycling through a
 * mix of KPIs, dimensions, grains and date ranges. Prints one JSON line: facts, requests, p50, p95,
 * max (ms).
 */
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createApp } from '../api/app.js';
import { openStore } from '../cli/open-store.js';
import { loadConfig } from '../config/config.js';
import { kpiSettings, STREAM_TIME_SQL } from '../kpis/kpi.js';
import { Checkpoints, STREAM_TIME } from '../store/checkpoints.js';
import type { Store } from '../store/store.js';

const FACTS = Number(process.env.BENCH_FACTS ?? 20_000_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 100);
const INSERT_ROWS = 1_000_000;
const DATA_DIR = fileURLToPath(new URL('../../bench/out/kpi-data/', import.meta.url));

/** `rows` facts from `numbers()` in 1M-row inserts: `select(offset)` gives the SELECT list over `number`. */
async function fill(store: Store, table: string, rows: number, select: (first: number) => string): Promise<void> {
  for (let first = 0; first < rows; first += INSERT_ROWS) {
    const n = Math.min(INSERT_ROWS, rows - first);
    await store.command(`INSERT INTO ${table} SELECT ${select(first)} FROM numbers(${first}, ${n})`);
  }
}

/** A time spread over two years: `number` → seconds after 2024-01-01, about `per` facts per second. */
const at = (per: number, plusDays = 0) => `toDateTime64('2024-01-01 00:00:00', 3, 'UTC') + toIntervalSecond(intDiv(number * 63072000, ${per}) + ${plusDays * 86400})`;

async function facts(store: Store): Promise<void> {
  const sales = Math.round(FACTS * 0.8);
  const purchases = Math.round(FACTS * 0.15);
  const counts = FACTS - sales - purchases;
  await fill(store, 'sales_line_outcomes', sales, () => `
    'c1', concat('sale.order.line:', toString(number)), true, concat('sale.order:', toString(intDiv(number, 3))),
    concat('SKU-', leftPad(toString(number % 5000), 4, '0')), concat('WH', toString(number % 8)), concat('CUST-', toString(number % 2000)),
    1, if(number % 50 = 0, 'cancelled', 'done'), 1 + number % 20, 9.5,
    ${at(sales)}, ${at(sales, 3)}, ${at(sales, 3)},
    if(number % 17 = 0, number % 20, 1 + number % 20), if(number % 23 = 0, 0, 1 + number % 20),
    ${at(sales, 2)}, if(number % 29 = 0, number % 20, 1 + number % 20), ${at(sales, 2)}, 1, number + 1, 0`);
  await fill(store, 'purchase_line_outcomes', purchases, () => `
    'c1', concat('purchase.order.line:', toString(number)), true, concat('purchase.order:', toString(intDiv(number, 4))),
    concat('SKU-', leftPad(toString(number % 5000), 4, '0')), concat('WH', toString(number % 8)), concat('VEND-', toString(number % 100)),
    1, 'done', 10 + number % 90, 4.2, ${at(purchases)}, ${at(purchases, 7)}, ${at(purchases, 7)},
    10 + number % 90, if(number % 11 = 0, 0, 10 + number % 90), ${at(purchases, 6)}, 10 + number % 90, ${at(purchases, 6)}, 1, number + 1, 0`);
  await fill(store, 'count_outcomes', counts, () => `
    'c1', concat('count:', toString(number)), concat('SKU-', leftPad(toString(number % 5000), 4, '0')), concat('WH', toString(number % 8)),
    concat('WH', toString(number % 8), '/Stock'), concat('user-', toString(number % 12)), NULL,
    100 - if(number % 9 = 0, number % 5, 0), 100, ${at(counts)}, 1, number + 1`);
}

/** The request mix: every KPI family, several dimensions and both grains, whole range or a quarter. */
const PATHS = [
  '/api/v1/kpis/otif_line?grain=week',
  '/api/v1/kpis/otif_line?by=warehouse&grain=week&from=2025-01-01T00:00:00Z&to=2025-04-01T00:00:00Z',
  '/api/v1/kpis/fill_rate_line?by=warehouse',
  '/api/v1/kpis/fill_rate_unit?by=sku&grain=week&from=2025-10-01T00:00:00Z&to=2025-11-01T00:00:00Z',
  '/api/v1/kpis/otif_order?grain=week&from=2025-06-01T00:00:00Z&to=2025-07-01T00:00:00Z',
  '/api/v1/kpis/backorder_lines?by=age&grain=week',
  '/api/v1/kpis/supplier_otif?by=vendor&grain=week',
  '/api/v1/kpis/purchase_lead_time_p90?by=vendor&grain=week&from=2025-01-01T00:00:00Z&to=2025-04-01T00:00:00Z',
  '/api/v1/kpis/inventory_accuracy?by=warehouse&grain=week',
  '/api/v1/kpis/data_quality?by=reason&grain=week',
];

async function main(): Promise<void> {
  rmSync(DATA_DIR, { recursive: true, force: true });
  const config = loadConfig();
  const store = await openStore(config, DATA_DIR);
  try {
    process.stderr.write(`bench:kpi: writing ${FACTS} outcome facts…\n`);
    await facts(store);
    // As the pipeline would have: the latest event time it handled.
    const [latest] = await store.query<{ stream_time: string }>(STREAM_TIME_SQL);
    await new Checkpoints(store).set(new Map([[STREAM_TIME, latest!.stream_time]]));
    const server = createApp(store, kpiSettings(config)).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const times: number[] = [];
    try {
      for (let i = 0; i < REQUESTS; i++) {
        const path = PATHS[i % PATHS.length]!;
        const started = performance.now();
        const res = await fetch(base + path);
        await res.json();
        if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status}`);
        times.push(performance.now() - started);
      }
    } finally {
      server.close();
    }
    times.sort((a, b) => a - b);
    const pct = (p: number) => Math.round(times[Math.min(times.length - 1, Math.floor(p * times.length))]!);
    process.stdout.write(`${JSON.stringify({ facts: FACTS, requests: REQUESTS, p50_ms: pct(0.5), p95_ms: pct(0.95), max_ms: Math.round(times.at(-1)!) })}\n`);
  } finally {
    await store.close();
  }
}

await main();
