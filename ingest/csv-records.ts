/**
 * Reads a CSV file (RFC 4180: quoted fields may hold delimiters, doubled quotes and newlines) as
 * records of cells, in bounded memory, from a byte offset, with each record's byte range (a
 * resume position must be a byte offset: a restart seeks there instead of re-parsing the file).
 *
 * Hand-written rather than csv-parse: csv-parse read 67–81k rows/s on the backfill bench's file
 * (52 columns, with `raw` and `info` for dead letters and offsets), a third of the 200k rows/s the
 * whole backfill must reach. Here record ends are found with Buffer.indexOf (memchr) on the bytes,
 * a row without quotes is one String.split, and only rows with quotes walk their fields.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import { open } from 'node:fs/promises';

const CHUNK_BYTES = 4 << 20;
const NEWLINE = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;

export interface CsvRecord {
  /** Byte offset of the record's first byte. */
  start: number;
  /** Byte offset after the record's newline: where a reader resumes. */
  end: number;
  /** False for a last record without a newline (the file may still be being written). */
  terminated: boolean;
  /** The record's text without its newline (only the first `keepBytes` for an over-long record). */
  text: string;
  bytes: number;
  /** The cells; absent when the record has a `problem`. */
  cells?: string[];
  problem?: string;
}

export interface CsvReadOptions {
  from: number;
  /** One ASCII character. */
  delimiter: string;
  maxRecordBytes: number;
  keepBytes: number;
  recordsPerYield: number;
  /** Read size (tests make it tiny to cross chunk boundaries everywhere). */
  chunkBytes?: number;
}

/**
 * Yields the file's records in groups. Empty lines are skipped; a UTF-8 byte-order mark at offset 0
 * is not part of the first record. A record with invalid UTF-8, an unclosed quote or more than
 * `maxRecordBytes` bytes comes with a `problem` instead of cells, and reading goes on after it.
 */
export async function* readCsvRecords(path: string, opts: CsvReadOptions): AsyncGenerator<CsvRecord[], void, void> {
  const delimiter = opts.delimiter.charCodeAt(0);
  if (opts.delimiter.length !== 1 || delimiter > 0x7f || delimiter === QUOTE || delimiter === NEWLINE || delimiter === CR) {
    throw new Error(`CSV delimiter ${JSON.stringify(opts.delimiter)} must be one ASCII character other than a quote or a line break`);
  }
  const chunkBytes = opts.chunkBytes ?? CHUNK_BYTES;
  const fh = await open(path, 'r');
  try {
    let fileOffset = opts.from;
    // Bytes of a record that continues in the next read, and where it starts in the file.
    let carry: Buffer = Buffer.alloc(0);
    let carryStart = opts.from;
    // While skipping an over-long record: where it started, its first bytes and its size so far.
    let skipping: { start: number; prefix: Buffer; bytes: number } | undefined;
    const chunk = Buffer.allocUnsafeSlow(chunkBytes);
    let out: CsvRecord[] = [];
    for (;;) {
      const { bytesRead } = await fh.read(chunk, 0, chunkBytes, fileOffset);
      const eof = bytesRead === 0;
      const data = carry.length ? Buffer.concat([carry, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
      const base = carry.length ? carryStart : fileOffset;
      fileOffset += bytesRead;
      carry = Buffer.alloc(0);
      const ascii = isAscii(data);
      let pos = base === 0 && data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf ? 3 : 0;
      // The next quote at or after `pos` (-1: none left in `data`): found once, not once per record.
      let nextQuote = data.indexOf(QUOTE, pos);

      while (pos < data.length) {
        if (skipping) {
          const nl = data.indexOf(NEWLINE, pos);
          const stop = nl === -1 ? data.length : nl;
          if (skipping.prefix.length < opts.keepBytes) skipping.prefix = Buffer.concat([skipping.prefix, data.subarray(pos, Math.min(stop, pos + opts.keepBytes - skipping.prefix.length))]);
          skipping.bytes += stop - pos;
          if (nl === -1) {
            pos = data.length;
            break;
          }
          out.push(tooLong(skipping, base + nl + 1, opts.maxRecordBytes));
          skipping = undefined;
          pos = nl + 1;
          if (nextQuote !== -1 && nextQuote < pos) nextQuote = data.indexOf(QUOTE, pos);
          continue;
        }
        // Where this record ends: the first newline outside quotes. A quote opens a quoted field
        // only at the start of a field (else it is a literal, as in `5" bolt`); inside one, a
        // doubled quote is an escaped quote.
        let end = -1;
        let quoted = false;
        let open = false;
        let p = pos;
        for (;;) {
          if (nextQuote !== -1 && nextQuote < p) nextQuote = data.indexOf(QUOTE, p);
          if (!open) {
            const nl = data.indexOf(NEWLINE, p);
            if (nl !== -1 && (nextQuote === -1 || nl < nextQuote)) {
              end = nl;
              break;
            }
            if (nextQuote === -1) break;
            const q = nextQuote;
            quoted = true;
            if (q === pos || data[q - 1] === delimiter) open = true;
            p = q + 1;
          } else {
            if (nextQuote === -1) break;
            const q = nextQuote;
            if (data[q + 1] === QUOTE) p = q + 2;
            else {
              open = false;
              p = q + 1;
            }
          }
        }
        if (end === -1) {
          if (!eof) {
            if (data.length - pos > opts.maxRecordBytes) {
              skipping = { start: base + pos, prefix: Buffer.from(data.subarray(pos, pos + opts.keepBytes)), bytes: data.length - pos };
              pos = data.length;
              break;
            }
            carry = Buffer.from(data.subarray(pos));
            carryStart = base + pos;
            pos = data.length;
            break;
          }
          end = data.length;
        }
        const terminated = end < data.length;
        let stop = end;
        if (stop > pos && data[stop - 1] === CR) stop--;
        const start = pos;
        pos = end + 1;
        if (stop === start) continue;
        const record = toRecord(data, start, stop, base, ascii, quoted, opts, delimiter);
        record.end = terminated ? base + end + 1 : base + end;
        record.terminated = terminated;
        if (open && !terminated) {
          record.problem = 'unclosed quote: the file ends inside a quoted field';
          delete record.cells;
        }
        if (out.push(record) >= opts.recordsPerYield) {
          yield out;
          out = [];
        }
      }
      if (eof) {
        if (skipping) out.push({ ...tooLong(skipping, fileOffset, opts.maxRecordBytes), terminated: false });
        if (out.length) yield out;
        return;
      }
      if (out.length >= opts.recordsPerYield) {
        yield out;
        out = [];
      }
    }
  } finally {
    await fh.close();
  }
}

function toRecord(data: Buffer, start: number, stop: number, base: number, ascii: boolean, quoted: boolean, opts: CsvReadOptions, delimiter: number): CsvRecord {
  const bytes = stop - start;
  const record: CsvRecord = { start: base + start, end: 0, terminated: true, text: '', bytes };
  if (bytes > opts.maxRecordBytes) {
    record.text = data.toString('utf8', start, start + opts.keepBytes).replace(/\uFFFD$/, '');
    record.problem = `row of ${bytes} bytes exceeds the limit of ${opts.maxRecordBytes} (LEDGERLINE_MAX_RECORD_BYTES)`;
    return record;
  }
  // One fresh string per record (not a slice of the chunk's text): values a processor keeps would
  // otherwise pin whole 4 MiB chunks in memory.
  if (ascii) record.text = data.toString('latin1', start, stop);
  else {
    const raw = data.subarray(start, stop);
    record.text = raw.toString('utf8');
    if (!isUtf8(raw)) {
      record.problem = 'invalid UTF-8 in the row (export the file as UTF-8)';
      return record;
    }
  }
  if (!quoted) record.cells = record.text.split(String.fromCharCode(delimiter));
  else {
    const cells = splitQuoted(record.text, String.fromCharCode(delimiter));
    if (typeof cells === 'string') record.problem = cells;
    else record.cells = cells;
  }
  return record;
}

/** The cells of a record with quotes, or why it is malformed. */
export function splitQuoted(text: string, delimiter: string): string[] | string {
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    if (text.charCodeAt(i) === QUOTE) {
      let value = '';
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q === -1) return 'unclosed quote in the row';
        if (text.charCodeAt(q + 1) === QUOTE) {
          value += text.slice(j, q + 1);
          j = q + 2;
          continue;
        }
        value += text.slice(j, q);
        i = q + 1;
        break;
      }
      cells.push(value);
      if (i >= text.length) return cells;
      if (text[i] !== delimiter) return `text after the closing quote of field ${cells.length} (a quote inside a quoted field must be doubled)`;
      i++;
    } else {
      const k = text.indexOf(delimiter, i);
      if (k === -1) {
        cells.push(text.slice(i));
        return cells;
      }
      cells.push(text.slice(i, k));
      i = k + 1;
    }
    if (i === text.length) {
      cells.push('');
      return cells;
    }
  }
}

function tooLong(s: { start: number; prefix: Buffer; bytes: number }, end: number, max: number): CsvRecord {
  return {
    start: s.start,
    end,
    terminated: true,
    text: s.prefix.toString('utf8').replace(/\uFFFD$/, ''),
    bytes: s.bytes,
    problem: `row of more than ${max} bytes (LEDGERLINE_MAX_RECORD_BYTES): an unclosed quote, or a huge cell`,
  };
}
