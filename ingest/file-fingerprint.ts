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
