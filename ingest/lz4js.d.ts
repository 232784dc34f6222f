/** The part of lz4js (no typings of its own) that `arrow-codecs.ts` uses: LZ4 frames. */
declare module 'lz4js' {
  const lz4: {
    compress(src: Uint8Array, maxSize?: number): Uint8Array;
    decompress(src: Uint8Array, maxSize?: number): Uint8Array;
  };
  export default lz4;
}
