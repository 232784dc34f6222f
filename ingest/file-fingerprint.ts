import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

/** Bytes hashed to recognise a file whatever its path (like log shippers do): a copy or a rename resumes, not restarts. */
const FINGERPRINT_BYTES = 64 * 1024;

/** A stable identity for a file's content: sha256 of its first 64 KiB and, for short files, its size. */
export async function fileFingerprint(path: string): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(FINGERPRINT_BYTES);
    const { bytesRead } = await fh.read(buf, 0, FINGERPRINT_BYTES, 0);
    return createHash('sha256').update(buf.subarray(0, bytesRead)).update(String(bytesRead)).digest('hex').slice(0, 32);
  } finally {
    await fh.close();
  }
}

/** Bytes before a resume position whose hash must still match for the position to be trusted. */
const RESUME_CHECK_BYTES = 4096;

/**
 * A resume position that proves itself: `offset:hash` of the bytes just before the offset. Files
 * are recognised by their first 64 KiB, so two different files can share a fingerprint (the same
 * exported master data up front, a re-export that changed later on); resuming one at the other's
 * offset would skip records. The hash catches that.
 */
export async function resumeToken(path: string, offset: number): Promise<string> {
  return `${offset}:${await hashBefore(path, offset)}`;
}

/** The offset to resume from: the token's when the bytes before it still match, else 0 (dedup absorbs a re-read). */
export async function verifiedOffset(path: string, token: string | undefined): Promise<number> {
  if (!token) return 0;
  const [offsetText, hash] = token.split(':');
  const offset = Number(offsetText);
  if (!Number.isInteger(offset) || offset <= 0 || !hash) return 0;
  return (await hashBefore(path, offset)) === hash ? offset : 0;
}

async function hashBefore(path: string, offset: number): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const start = Math.max(0, offset - RESUME_CHECK_BYTES);
    const buf = Buffer.alloc(offset - start);
    const { bytesRead } = await fh.read(buf, 0, buf.length, start);
    if (bytesRead < buf.length) return 'short'; // the file is shorter than the offset: another file
    return createHash('sha256').update(buf).digest('hex').slice(0, 32);
  } finally {
    await fh.close();
  }
}
