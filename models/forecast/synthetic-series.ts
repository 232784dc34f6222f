/**
 * Many daily demand series quickly, from the generator's own demand model (ingest/generator/
 * demand.ts: weekly shape, trend, promotions, intermittent slow movers, lognormal order sizes)
 * without running the whole distributor simulation. The scale of each series is spread wider than
 * the simulation's warehouses so the mix has fast movers too — smooth and erratic series, not only
 * the slow movers a 30-SKU run is made of. For benchmarks and method comparisons.
 */
import { makeSkuDemand, sampleOrders } from '../../ingest/generator/demand.js';
import { Rng } from '../../ingest/generator/random.js';
import type { SeriesInput } from './spec.js';

export function syntheticDemandSeries(count: number, days: number, seed = 1): SeriesInput[] {
  const rng = new Rng(seed, 7);
  const out: SeriesInput[] = [];
  const sizes: number[] = [];
  for (let i = 0; i < count; i++) {
    const demand = makeSkuDemand(rng, days);
    const scale = rng.lognormal(Math.log(demand.intermittent ? 1 : 6), 1);
    const values = new Array<number>(days);
    for (let d = 0; d < days; d++) {
      sizes.length = 0;
      // Day 0 is a Wednesday, as in the generator's default start (2025-01-01).
      sampleOrders(rng, demand, scale, d, (d + 3) % 7, sizes);
      values[d] = sizes.reduce((a, x) => a + x, 0);
    }
    out.push({ id: `S${String(i).padStart(5, '0')}`, values });
  }
  return out;
}
