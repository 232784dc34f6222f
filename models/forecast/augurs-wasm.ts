/**
 * Loads the augurs wasm modules synchronously from the installed package. augurs' default `init()`
 * fetches the .wasm by URL, which Node's fetch cannot do for file: URLs, so each module is
 * instantiated with `initSync` from the bytes on disk, once per thread (worker threads each have
 * their own wasm instances).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as etsModule from '@bsull/augurs/ets';
import * as mstlModule from '@bsull/augurs/mstl';

export type { Forecast as AugursForecast } from '@bsull/augurs/ets';
export const { AutoETS } = etsModule;
export const { MSTL } = mstlModule;

let packageDir: string | undefined;
const loaded = new Set<string>();

function augursDir(): string {
  // The package's exports map has no "./package.json"; resolve its main entry and take the folder.
  packageDir ??= dirname(createRequire(import.meta.url).resolve('@bsull/augurs'));
  return packageDir;
}

function load(name: 'ets' | 'mstl', initSync: (m: { module: BufferSource }) => unknown): void {
  if (loaded.has(name)) return;
  const file = join(augursDir(), `${name}_bg.wasm`);
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = new Uint8Array(readFileSync(file));
  } catch (e) {
    throw new Error(`cannot read augurs wasm module ${file} (${(e as Error).message}): is @bsull/augurs installed? run npm install`);
  }
  initSync({ module: bytes });
  loaded.add(name);
}

/** Makes `AutoETS` and `MSTL` usable in this thread; cheap after the first call. */
export function loadAugurs(): void {
  load('ets', etsModule.initSync);
  load('mstl', mstlModule.initSync);
}
