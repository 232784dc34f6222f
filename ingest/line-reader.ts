import { createHash, type Hash } from 'node:crypto';
import { isAscii } from 'node:buffer';
import { open } from 'node:fs/promises';

const CHUNK_BYTES = 4 << 20;
const NEWLINE = 0x0a;
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

export interface Line {
  /** Byte offset of the line's first byte. */
  start: number;
  /** Byte offset just after the line's newline (where a reader resumes). */
  end: number;
  /** False for a last line without a newline: the file may still be growing, so do not resume past it. */
  terminated: boolean;
  /** The text (without the newline); only the first `keepBytes` bytes when the line is too long. */
  text: string;
  bytes: number;
  /**
   * ASCII without backslash, tab or carriage return, so that neither the text nor any JSON string in
   * it needs escaping in a TabSeparated row: the log copies such lines byte for byte.
   */
  plain: boolean;
  /** SHA-256 (hex) of the whole line, for lines with a problem (whose text is only a prefix). */
  sha256?: string;
  /** Set when the line cannot be taken as text: too long, or not UTF-8. */
  problem?: string;
}

/**
 * Reads a file as lines in bounded memory, from a byte offset. A line longer than `maxLineBytes`
 * is reported (with its first `keepBytes`) and skipped without buffering it whole; invalid UTF-8 is
 * reported instead of silently replaced. Blank lines are skipped.
 */
export async function* readLines(
  path: string,
  opts: { from: number; maxLineBytes: number; keepBytes: number; linesPerYield: number },
): AsyncGenerator<Line[], void, void> {
  const fh = await open(path, 'r');
  try {
    let fileOffset = opts.from;
    let carry: Buffer = Buffer.alloc(0);
    let carryStart = opts.from;
    // While skipping an over-long line: its prefix, start, running size and hash.
    let oversized: Oversized | undefined;
    // One read buffer for the whole file: lines are handed out as strings, and what outlives a read
    // (a partial line, an over-long line's prefix) is copied out of it.
    const chunk = Buffer.allocUnsafeSlow(CHUNK_BYTES);
    for (;;) {
      const { bytesRead } = await fh.read(chunk, 0, CHUNK_BYTES, fileOffset);
      const eof = bytesRead === 0;
      const data = eof ? Buffer.alloc(0) : chunk.subarray(0, bytesRead);
      let lines: Line[] = [];
      let pos = 0;
      const base = fileOffset;
      fileOffset += bytesRead;
      // The common case, an ASCII chunk, is decoded once and cut into lines as strings (string
      // offsets are byte offsets), like a plain JSONL reader: no per-line Buffer or decode.
      const ascii = isAscii(data) ? data.toString('latin1') : undefined;
      const plain = ascii !== undefined && data.indexOf(0x5c) === -1 && data.indexOf(0x09) === -1 && data.indexOf(0x0d) === -1;

      while (pos < data.length) {
        if (ascii !== undefined && carry.length === 0 && !oversized) {
          const nl = ascii.indexOf('\n', pos);
          if (nl !== -1 && nl - pos <= opts.maxLineBytes) {
            const from = pos;
            const text = nl > from && ascii.charCodeAt(nl - 1) === 0x0d ? ascii.slice(from, nl - 1) : ascii.slice(from, nl);
            pos = nl + 1;
            if (isBlank(text)) continue;
            if (lines.push({ start: base + from, end: base + pos, terminated: true, bytes: nl - from, text, plain }) >= opts.linesPerYield) {
              yield lines;
              lines = [];
            }
            continue;
          }
        }
        const nl = data.indexOf(NEWLINE, pos);
        const stop = nl === -1 ? data.length : nl;
        if (oversized) {
          oversized.bytes += stop - pos;
          oversized.hash.update(data.subarray(pos, stop));
          if (nl === -1) { pos = data.length; break; }
          lines.push(tooLong(oversized, base + nl + 1, opts));
          oversized = undefined;
          pos = nl + 1;
          continue;
        }
        const pending = carry.length + (stop - pos);
        if (pending > opts.maxLineBytes) {
          const prefix = Buffer.concat([carry, data.subarray(pos, Math.min(stop, pos + opts.keepBytes))]).subarray(0, opts.keepBytes);
          const hash = createHash('sha256').update(carry).update(data.subarray(pos, stop));
          oversized = { start: carry.length ? carryStart : base + pos, prefix: Buffer.from(prefix), bytes: pending, hash };
          carry = Buffer.alloc(0);
          if (nl === -1) { pos = data.length; break; }
          lines.push(tooLong(oversized, base + nl + 1, opts));
          oversized = undefined;
          pos = nl + 1;
          continue;
        }
        if (nl === -1) {
          if (!carry.length) carryStart = base + pos;
          carry = Buffer.concat([carry, data.subarray(pos)]);
          pos = data.length;
          break;
        }
        const start = carry.length ? carryStart : base + pos;
        const bytes = carry.length ? Buffer.concat([carry, data.subarray(pos, nl)]) : data.subarray(pos, nl);
        carry = Buffer.alloc(0);
        const line = toLine(bytes, start, base + nl + 1, opts.keepBytes, true);
        pos = nl + 1;
        if (line && lines.push(line) >= opts.linesPerYield) {
          // Hand lines over in small groups: a whole chunk's texts would outlive young-generation GCs.
          yield lines;
          lines = [];
        }
      }
      if (eof) {
        if (oversized) lines.push({ ...tooLong(oversized, fileOffset, opts), terminated: false });
        else if (carry.length) {
          const line = toLine(carry, carryStart, fileOffset, opts.keepBytes, false);
          if (line) lines.push(line);
        }
        if (lines.length) yield lines;
        return;
      }
      if (lines.length) yield lines;
    }
  } finally {
    await fh.close();
  }
}

interface Oversized {
  start: number;
  prefix: Buffer;
  bytes: number;
  hash: Hash;
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

function toLine(bytes: Buffer, start: number, end: number, keepBytes: number, terminated: boolean): Line | undefined {
  let raw = bytes[bytes.length - 1] === 0x0d ? bytes.subarray(0, bytes.length - 1) : bytes;
  // A byte-order mark opening the file is not part of the first record.
  if (start === 0 && raw.subarray(0, 3).equals(BOM)) raw = raw.subarray(3);
  const text = raw.toString('utf8');
  if (isBlank(text)) return undefined;
  if (text.includes('\uFFFD')) {
    try {
      utf8Strict.decode(raw);
    } catch {
      const at = firstInvalidUtf8(raw);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      return { start, end, terminated, bytes: bytes.length, text: raw.subarray(0, keepBytes).toString('utf8'), plain: false, sha256, problem: `invalid UTF-8 at byte ${at} of the line` };
    }
  }
  return { start, end, terminated, bytes: bytes.length, text, plain: false };
}

/** Whitespace only (a JSON text starts with a non-space character; only then is trim worth it). */
function isBlank(text: string): boolean {
  return text.length === 0 || (text.charCodeAt(0) <= 0x20 && text.trim() === '');
}

function tooLong(o: Oversized, end: number, opts: { maxLineBytes: number }): Line {
  return {
    start: o.start,
    end,
    terminated: true,
    bytes: o.bytes,
    text: o.prefix.toString('utf8'),
    plain: false,
    sha256: o.hash.digest('hex'),
    problem: `line of ${o.bytes} bytes exceeds the limit of ${opts.maxLineBytes} (LEDGERLINE_MAX_RECORD_BYTES)`,
  };
}

/** Offset of the first byte that starts an invalid UTF-8 sequence (the line is known to have one). */
function firstInvalidUtf8(bytes: Buffer): number {
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    const size = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    if (size === 0) return i;
    try {
      utf8Strict.decode(bytes.subarray(i, i + size));
    } catch {
      return i;
    }
    i += size;
  }
  return bytes.length;
}
