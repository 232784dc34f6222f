import { describe, expect, it } from 'vitest';
import { validateEvent } from '../events/validate.js';
import { CellsRow, ColumnMapping, MappingError, RowError } from './column-mapping.js';

const mapping = (json: unknown, path = 'm.json') => ColumnMapping.parse(JSON.stringify(json), path);

/** Maps one row given as {column: cell}. */
function mapOne(json: unknown, row: Record<string, unknown>): Record<string, unknown> {
  const header = Object.keys(row);
  return mapping(json).bind(header, 'data.csv').map(new CellsRow(header.map((h) => row[h])));
}

const MOVE = {
  type: 'stock_move',
  columns: { record_id: 'Ref', move_id: 'Ref', occurred_at: 'Date', sku: 'Product', qty: 'Qty' },
  constants: { source: 'odoo-export', version: 1, company: 'acme', from_location: 'WH1/Stock', from_usage: 'internal', from_warehouse: 'WH1', to_location: 'Customers', to_usage: 'customer', to_warehouse: null, sales_line_id: null, purchase_line_id: null, picking: null, lot: null, unit_cost: 0 },
};
const withDate = (spec: unknown, zone?: string) => ({ ...MOVE, ...(zone ? { zone } : {}), columns: { ...MOVE.columns, occurred_at: spec } });
const row = (date: unknown, qty: unknown = '5') => ({ Ref: 'MV-1', Date: date, Product: 'SKU-1', Qty: qty });

describe('ColumnMapping: dates', () => {
  it('reads ISO (with or without a zone), Odoo datetimes in a zone, epoch seconds and ms, and day-first dates', () => {
    const at = (spec: unknown, cell: unknown, zone?: string) => mapOne(withDate(spec, zone), row(cell)).occurred_at;
    expect(at('Date', '2025-03-01T10:00:00Z')).toBe('2025-03-01T10:00:00Z');
    expect(at('Date', '2025-03-01T10:00:00+02:00')).toBe('2025-03-01T10:00:00+02:00');
    expect(at('Date', '2025-03-01 10:00:00')).toBe('2025-03-01T10:00:00.000Z');
    expect(at('Date', '2025-03-01')).toBe('2025-03-01T00:00:00.000Z');
    expect(at({ column: 'Date', format: 'YYYY-MM-DD HH:mm:ss', zone: 'Europe/Brussels' }, '2025-01-15 10:00:00')).toBe('2025-01-15T09:00:00.000Z');
    expect(at({ column: 'Date', format: 'YYYY-MM-DD HH:mm:ss', zone: 'Europe/Brussels' }, '2025-07-15 10:00:00')).toBe('2025-07-15T08:00:00.000Z');
    // The mapping-wide zone applies where a field names none.
    expect(at({ column: 'Date', format: 'YYYY-MM-DD HH:mm:ss' }, '2025-07-15 10:00:00', 'America/New_York')).toBe('2025-07-15T14:00:00.000Z');
    expect(at({ column: 'Date', format: 'YYYY-MM-DD HH:mm:ss', zone: '+05:30' }, '2025-07-15 10:00:00')).toBe('2025-07-15T04:30:00.000Z');
    expect(at({ column: 'Date', format: 'epoch_s' }, '1740823200')).toBe('2025-03-01T10:00:00.000Z');
    expect(at({ column: 'Date', format: 'epoch_ms' }, '1740823200123')).toBe('2025-03-01T10:00:00.123Z');
    expect(at({ column: 'Date', format: 'DD/MM/YYYY' }, '03/02/2025')).toBe('2025-02-03T00:00:00.000Z');
    expect(at({ column: 'Date', format: 'DD/MM/YYYY HH:mm' }, '3/2/2025 7:05')).toBe('2025-02-03T07:05:00.000Z');
    // Typed cells (Arrow timestamps arrive as epoch ms) need no format.
    expect(at('Date', Date.UTC(2025, 2, 1, 10))).toBe('2025-03-01T10:00:00.000Z');
  });

  it('resolves DST gaps forward and repeated hours to their first occurrence', () => {
    const spec = { column: 'Date', format: 'YYYY-MM-DD HH:mm:ss', zone: 'Europe/Brussels' };
    // 02:30 does not exist on 2025-03-30 in Brussels (02:00 → 03:00): 03:30 CEST.
    expect(mapOne(withDate(spec), row('2025-03-30 02:30:00')).occurred_at).toBe('2025-03-30T01:30:00.000Z');
    // 02:30 happens twice on 2025-10-26: the first is CEST (+02:00).
    expect(mapOne(withDate(spec), row('2025-10-26 02:30:00')).occurred_at).toBe('2025-10-26T00:30:00.000Z');
  });

  it('rejects impossible dates and other formats with a reason naming the column', () => {
    const reason = (spec: unknown, cell: unknown) => {
      try {
        mapOne(withDate(spec), row(cell));
      } catch (e) {
        expect(e).toBeInstanceOf(RowError);
        return (e as Error).message;
      }
      return 'mapped';
    };
    expect(reason({ column: 'Date', format: 'DD/MM/YYYY' }, '30/02/2025')).toBe('column "Date" → /occurred_at: no such day 2025-2-30 (got "30/02/2025")');
    expect(reason({ column: 'Date', format: 'DD/MM/YYYY' }, '2025-02-03')).toBe('column "Date" → /occurred_at: not a date in the format DD/MM/YYYY (got "2025-02-03")');
    expect(reason('Date', '01/03/2025')).toBe('column "Date" → /occurred_at: not an ISO-8601 date or date-time (got "01/03/2025")');
    expect(reason('Date', '2025-03-01 24:00:00')).toMatch(/^column "Date" → \/occurred_at: no such time/);
    expect(reason('Date', '')).toMatch(/^column "Date" → \/occurred_at: empty, and the field needs a value/);
    expect(reason({ column: 'Date', format: 'epoch_s' }, 'yesterday')).toMatch(/^column "Date" → \/occurred_at: not epoch seconds/);
  });
});

describe('ColumnMapping: units, values, constants, types', () => {
  const units = { column: 'UoM', factors: { Units: 1, Dozens: 12, 'Pack of 6': 6 } };

  it('converts quantities to the product unit (× factor) and prices per unit (÷ factor), from a unit column or a constant unit', () => {
    const json = { ...MOVE, columns: { ...MOVE.columns, qty: { column: 'Qty', unit: units }, unit_cost: { column: 'Cost', unit: { ...units, per_unit: true } } } };
    const { constants: _c, ...rest } = json;
    const m = { ...rest, constants: { ...MOVE.constants, unit_cost: undefined } };
    delete (m.constants as Record<string, unknown>).unit_cost;
    const out = mapOne(m, { ...row('2025-03-01T10:00:00Z', '2.5'), UoM: 'Dozens', Cost: '3.6' });
    expect(out).toMatchObject({ qty: 30, unit_cost: 0.3 });
    expect(mapOne(m, { ...row('2025-03-01T10:00:00Z', '0.1'), UoM: 'Dozens', Cost: '1' })).toMatchObject({ qty: 1.2 });
    const fixed = { ...MOVE, columns: { ...MOVE.columns, qty: { column: 'Qty', unit: { value: 'Pack of 6', factors: units.factors } } } };
    expect(mapOne(fixed, row('2025-03-01T10:00:00Z', '4'))).toMatchObject({ qty: 24 });
    expect(() => mapOne(m, { ...row('2025-03-01T10:00:00Z', '4'), UoM: 'Boxes', Cost: '1' })).toThrow('column "UoM" → /qty: unknown unit "Boxes" (known: Units, Dozens, Pack of 6)');
    expect(() => mapOne(m, { ...row('2025-03-01T10:00:00Z', '4'), UoM: 'constructor', Cost: '1' })).toThrow(/unknown unit "constructor"/);
  });

  it('reads decimal commas when told, and refuses numbers it would have to guess', () => {
    const comma = { ...MOVE, delimiter: ';', decimal: ',' };
    expect(mapOne(comma, row('2025-03-01T10:00:00Z', '12,5'))).toMatchObject({ qty: 12.5 });
    expect(() => mapOne(MOVE, row('2025-03-01T10:00:00Z', '1,234.5'))).toThrow('column "Qty" → /qty: not a number (got "1,234.5")');
    expect(() => mapOne(MOVE, row('2025-03-01T10:00:00Z', '0x10'))).toThrow(/not a number/);
  });

  it('translates values (Odoo states), prefixes ids, fills defaults, and the result validates', () => {
    const json = {
      type: 'sales_order_line',
      columns: {
        record_id: { column: 'ID', prefix: 'sale.order.line:' },
        line_id: { column: 'ID', prefix: 'sale.order.line:' },
        version: { column: 'Last Updated on', format: 'YYYY-MM-DD HH:mm:ss' },
        occurred_at: { column: 'Last Updated on', format: 'YYYY-MM-DD HH:mm:ss' },
        order_id: 'Order Reference',
        sku: 'Product/Internal Reference',
        warehouse: { column: 'Warehouse', default: 'WH1' },
        customer: 'Customer',
        qty_ordered: 'Quantity',
        unit_price: 'Unit Price',
        ordered_at: { column: 'Order Date', format: 'YYYY-MM-DD HH:mm:ss' },
        requested_date: { column: 'Delivery Date', format: 'YYYY-MM-DD HH:mm:ss' },
        state: { column: 'Status', values: { draft: 'draft', sent: 'draft', sale: 'confirmed', done: 'done', cancel: 'cancelled' } },
      },
      constants: { source: 'odoo-export', company: 'acme', committed_date: null },
    };
    const out = mapOne(json, {
      ID: '901', 'Last Updated on': '2025-02-03 10:15:00', 'Order Reference': 'S00311', 'Product/Internal Reference': 'SKU-0042', Warehouse: '',
      Customer: 'C-104', Quantity: '500', 'Unit Price': '0.3', 'Order Date': '2025-02-03 10:15:00', 'Delivery Date': '', Status: 'sale',
    });
    expect(out).toEqual({
      type: 'sales_order_line', source: 'odoo-export', company: 'acme', committed_date: null,
      record_id: 'sale.order.line:901', line_id: 'sale.order.line:901', version: Date.UTC(2025, 1, 3, 10, 15), occurred_at: '2025-02-03T10:15:00.000Z',
      order_id: 'S00311', sku: 'SKU-0042', warehouse: 'WH1', customer: 'C-104', qty_ordered: 500, unit_price: 0.3,
      ordered_at: '2025-02-03T10:15:00.000Z', requested_date: null, state: 'confirmed',
    });
    expect(validateEvent(out, '2025-03-01T00:00:00.000Z')).toMatchObject({ ok: true });
  });

  it('takes each row\'s type from a column, setting only the fields that type has', () => {
    const json = {
      type: { column: 'Kind', values: { move: 'stock_move', count: 'inventory_count' } },
      columns: { record_id: 'Ref', move_id: 'Ref', count_id: 'Ref', occurred_at: 'Date', sku: 'Product', qty: 'Qty', counted_qty: 'Qty', location: 'Where', warehouse: 'WH' },
      constants: { ...MOVE.constants, system_qty: 0, user: 'import', reason: null },
    };
    const m = mapping(json).bind(['Kind', 'Ref', 'Date', 'Product', 'Qty', 'Where', 'WH'], 'mixed.csv');
    const count = m.map(new CellsRow(['count', 'C-1', '2025-03-01T10:00:00Z', 'SKU-1', '7', 'WH1/Stock', 'WH1']));
    expect(count).toMatchObject({ type: 'inventory_count', count_id: 'C-1', counted_qty: 7, location: 'WH1/Stock', warehouse: 'WH1' });
    expect(count).not.toHaveProperty('qty');
    expect(validateEvent(count, '2025-03-01T00:00:00.000Z')).toMatchObject({ ok: true });
    const move = m.map(new CellsRow(['move', 'M-1', '2025-03-01T10:00:00Z', 'SKU-1', '7', 'WH1/Stock', 'WH1']));
    expect(move).toMatchObject({ type: 'stock_move', move_id: 'M-1', qty: 7 });
    expect(move).not.toHaveProperty('counted_qty');
    expect(validateEvent(move, '2025-03-01T00:00:00.000Z')).toMatchObject({ ok: true });
    expect(() => m.map(new CellsRow(['receipt', 'R-1', '2025-03-01T10:00:00Z', 'SKU-1', '7', '', '']))).toThrow('column "Kind" → type: unknown event type "receipt" (known: move, count)');
  });
});

describe('ColumnMapping: the mapping file is checked once, naming the file and the field', () => {
  const fails = (json: unknown) => {
    try {
      mapping(json, 'exports/moves.csv.mapping.json');
    } catch (e) {
      expect(e).toBeInstanceOf(MappingError);
      return (e as Error).message;
    }
    return 'accepted';
  };

  it('says which field or key is wrong', () => {
    expect(fails({ ...MOVE, columns: { ...MOVE.columns, colour: 'Lot' } })).toBe('mapping exports/moves.csv.mapping.json: not fields of stock_move: colour (docs/events.md lists each type\'s fields)');
    expect(fails(withDate({ column: 'Date', format: 'YYYY/DD' }))).toMatch(/^mapping exports\/moves.csv.mapping.json: columns.occurred_at \(column "Date"\): unknown date format "YYYY\/DD": use iso, epoch_s/);
    expect(fails(withDate({ column: 'Date', format: 'iso', zone: 'Mars/Olympus' }))).toMatch(/columns.occurred_at \(column "Date"\): unknown time zone "Mars\/Olympus"/);
    expect(fails({ ...MOVE, columns: { ...MOVE.columns, sku: { column: 'Product', unit: { value: 'kg', factors: { kg: 1 } } } } })).toMatch(/columns.sku \(column "Product"\): "unit" applies to number fields/);
    expect(fails({ ...MOVE, columns: { ...MOVE.columns, qty: { column: 'Qty', unit: { value: 'box', factors: { kg: 1 } } } } })).toMatch(/columns.qty \(column "Qty"\): unit "box" has no factor \(known: kg\)/);
    expect(fails({ ...MOVE, columns: { ...MOVE.columns, qty: { column: 'Qty', scale: 2 } } })).toMatch(/^mapping exports\/moves.csv.mapping.json: \/columns\/qty/);
    expect(fails({ ...MOVE, type: 'stock_movement' })).toMatch(/^mapping exports\/moves.csv.mapping.json: \/type/);
    expect(fails({ ...MOVE, columns: { ...MOVE.columns, type: 'Kind' } })).toMatch(/"type" is not a column or constant/);
    expect(() => ColumnMapping.parse('{"type": ', 'x.json')).toThrow(/^mapping x.json: invalid JSON/);
  });

  it('names the columns a file lacks, and the mapping file', () => {
    expect(() => mapping(MOVE, 'moves.mapping.json').bind(['Ref', 'Date', 'Product'], 'moves.csv')).toThrow(
      'moves.csv: columns named by mapping moves.mapping.json are not in the file: "Qty" (the file has "Ref", "Date", "Product")',
    );
  });
});
