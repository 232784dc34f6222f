/**
 * Cell access to the columns of an Arrow record batch. `Vector.get` works for every type, but goes
 * through a type visitor per cell and, for text, a TextDecoder call per cell: on the backfill bench
 * (2.25M rows, 52 columns) those were the Arrow source's top costs. So the common column types are
 * read straight from their buffers here (text one Buffer slice per cell; numbers, timestamps, dates
 * and booleans from their typed arrays); any other type goes through `Vector.get`. Timestamps and
 * dates come out as epoch milliseconds, as `Vector.get` gives them.
 */
import { isAscii } from 'node:buffer';
import { DataType, DateUnit, Precision, TimeUnit, type Data, type Vector } from 'apache-arrow';

export type CellReader = (row: number) => unknown;

/** A reader of `vector`'s cells (a record batch column has one data chunk), null for a null cell. */
export function cellReader(vector: Vector): CellReader {
  if (vector.data.length !== 1) return (row) => vector.get(row);
  const data = vector.data[0]!;
  const type = data.type;
  const isNull = nullTest(data);
  const base = data.offset;
  if (DataType.isUtf8(type) || DataType.isLargeUtf8(type)) return textReader(data, isNull);
  if (DataType.isDictionary(type) && data.dictionary) {
    // The dictionary is decoded once per batch, not once per cell.
    const dictionary = data.dictionary;
    const read = dictionary.data.length === 1 ? cellReader(dictionary) : (i: number) => dictionary.get(i);
    const words = Array.from({ length: dictionary.length }, (_, i) => read(i));
    const keys = data.values as ArrayLike<number | bigint>;
    return (row) => (isNull(row) ? null : words[Number(keys[base + row])]);
  }
  if ((DataType.isFloat(type) && type.precision !== Precision.HALF) || (DataType.isInt(type) && type.bitWidth <= 32)) {
    const values = data.values as ArrayLike<number>;
    return (row) => (isNull(row) ? null : values[base + row]);
  }
  if (DataType.isInt(type)) {
    const values = data.values as ArrayLike<bigint>;
    return (row) => {
      if (isNull(row)) return null;
      const v = values[base + row]!;
      return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v;
    };
  }
  if (DataType.isTimestamp(type) && data.values instanceof BigInt64Array) {
    const values = data.values;
    const perMs = { [TimeUnit.SECOND]: 1e-3, [TimeUnit.MILLISECOND]: 1, [TimeUnit.MICROSECOND]: 1e3, [TimeUnit.NANOSECOND]: 1e6 }[type.unit];
    return (row) => (isNull(row) ? null : Math.floor(Number(values[base + row]) / perMs));
  }
  if (DataType.isDate(type) && type.unit === DateUnit.DAY && data.values instanceof Int32Array) {
    const values = data.values;
    return (row) => (isNull(row) ? null : values[base + row]! * 86_400_000);
  }
  if (DataType.isBool(type)) {
    const bits = data.values as Uint8Array;
    return (row) => {
      if (isNull(row)) return null;
      const i = base + row;
      return (bits[i >> 3]! & (1 << (i & 7))) !== 0;
    };
  }
  return (row) => vector.get(row);
}

function textReader(data: Data, isNull: (row: number) => boolean): CellReader {
  const values = data.values as Uint8Array;
  const offsets = data.valueOffsets as ArrayLike<number | bigint>;
  const bytes = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  const base = data.offset;
  // One fresh string per cell (not a slice of the column decoded at once): a value a processor
  // keeps must not pin the whole column's text in memory. latin1Slice/utf8Slice directly: the
  // toString wrapper's argument checks showed in the profile.
  const slice = textSlicer(bytes, isAscii(bytes) ? 'latin1' : 'utf8');
  return (row) => {
    if (isNull(row)) return null;
    const i = base + row;
    return slice(Number(offsets[i]), Number(offsets[i + 1]));
  };
}

/**
 * `buf.latin1Slice(start, end)` (or utf8Slice): what `buf.toString(encoding, start, end)` calls
 * after checking its arguments. Not in Node's typings, so looked up, with toString as the fallback.
 */
function textSlicer(bytes: Buffer, encoding: 'latin1' | 'utf8'): (start: number, end: number) => string {
  const direct = (bytes as unknown as Record<string, unknown>)[`${encoding}Slice`];
  if (typeof direct === 'function') return (direct as (start: number, end: number) => string).bind(bytes);
  return (start, end) => bytes.toString(encoding, start, end);
}

function nullTest(data: Data): (row: number) => boolean {
  const bitmap = data.nullBitmap;
  if (!bitmap || bitmap.length === 0 || data.nullCount === 0) return () => false;
  const base = data.offset;
  return (row) => {
    const i = base + row;
    return (bitmap[i >> 3]! & (1 << (i & 7))) === 0;
  };
}
