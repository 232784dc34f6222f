import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { fileFingerprint, resumeToken, verifiedOffset } from './file-fingerprint.js';
import { readLines } from './line-reader.js';
import type { Source, SourceBatch, SourceRecord } from './source.js';

export interface FileSourceOptions {
  batchRecords: number;
  maxRecordBytes: number;
  keepRawBytes: number;
}

/**
 * A JSONL file of canonical events, one per line. Resumes from a byte offset after the last
 * newline-terminated line taken (a last line without a newline may still be being written).
 */
export class JsonlFileSource implements Source {
  private constructor(
    readonly id: string,
    readonly name: string,
    private readonly path: string,
    private readonly opts: FileSourceOptions,
  ) {}

  static async open(path: string, opts: FileSourceOptions): Promise<JsonlFileSource> {
    return new JsonlFileSource(`jsonl:${await fileFingerprint(path)}`, path, path, opts);
  }

  async *batches(resumeFrom?: string): AsyncIterable<SourceBatch> {
    const total = (await stat(this.path)).size;
    const from = await verifiedOffset(this.path, resumeFrom);
    let records: SourceRecord[] = [];
    let resume = from;
    for await (const lines of readLines(this.path, { from, maxLineBytes: this.opts.maxRecordBytes, keepBytes: this.opts.keepRawBytes, linesPerYield: this.opts.batchRecords })) {
      for (const line of lines) {
        const record: SourceRecord = { position: line.start, raw: line.text, rawBytes: line.bytes };
        if (line.problem) {
          record.error = line.problem;
          if (line.sha256) record.rawSha256 = line.sha256;
        }
        else {
          record.json = line.text;
          record.plain = line.plain;
          try {
            record.value = JSON.parse(line.text);
          } catch (e) {
            const unterminated = line.terminated ? '' : ' (last line, no newline: a truncated file, or one still being written)';
            record.error = `invalid JSON${unterminated}: ${(e as Error).message}`;
          }
        }
        records.push(record);
        if (line.terminated) resume = line.end;
        if (records.length >= this.opts.batchRecords) {
          const at = resume;
          yield { records, resumeFrom: () => resumeToken(this.path, at), progress: { done: line.end, total } };
          records = [];
        }
      }
    }
    if (records.length || resume === from) yield { records, resumeFrom: () => resumeToken(this.path, resume), progress: { done: total, total } };
  }

  toString(): string {
    return basename(this.name);
  }
}
