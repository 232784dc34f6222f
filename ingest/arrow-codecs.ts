/**
 * Decompression for Arrow record batches. pyarrow writes Feather files LZ4-compressed by default
 * (and ZSTD on request); the JavaScript Arrow library reads them only with a codec registered for
 * the compression type. Both codecs are pure JavaScript (lz4js, fzstd): nothing to build. Writing
 * compressed files is not needed, but LZ4's encoder is registered too so tests can make such files.
 */
import { CompressionType, compressionRegistry } from 'apache-arrow';
import { decompress as zstdDecompress } from 'fzstd';
import lz4 from 'lz4js';

let registered = false;

export function registerArrowCodecs(): void {
  if (registered) return;
  registered = true;
  compressionRegistry.set(CompressionType.LZ4_FRAME, {
    encode: (data) => lz4.compress(data),
    decode: (data) => aligned(lz4.decompress(data)),
  });
  compressionRegistry.set(CompressionType.ZSTD, { decode: (data) => aligned(zstdDecompress(data)) });
}

/** Arrow views buffers as 64-bit arrays, which must start at a multiple of 8 bytes: copy a decoder output that does not. */
function aligned(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset % 8 === 0 ? bytes : bytes.slice();
}
