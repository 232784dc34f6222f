#!/usr/bin/env node
/**
 * Postinstall: makes `evidence sources`, `evidence build` and the built pages work offline.
 *
 * @evidence-dev/universal-sql writes each source query as parquet batches with parquet-wasm, then
 * merges them with DuckDB-wasm (`read_parquet` + `COPY … TO … (FORMAT PARQUET)`). DuckDB-wasm has no
 * parquet built in and downloads the extension from the internet; offline the download fails and
 * is never handled, so `evidence sources` hangs forever. This patch replaces that merge with
 * parquet-wasm (already a dependency): one batch is copied as it is; several are read back into
 * Arrow, concatenated and written once (ZSTD, as before). `initDB()` stays: `emptyDbFs` needs it.
 *
 * Idempotent (a marker says it is applied), and it fails the install when the code it replaces is
 * not there: a dependency update must not silently bring the hang back.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Each patch: the file under universal-sql/src, a marker, the exact code it replaces, and the replacement. */
const PATCHES = [
  {
    // `evidence sources`: merging the parquet batches of a source query.
    file: 'build-parquet.js',
    marker: '/* ledgerline: offline parquet merge */',
    original: `	const parquetFiles = tmpFilenames.map((filename) => \`'\${filename.replaceAll('\\\\', '/')}'\`);

	const select = \`SELECT * FROM read_parquet([\${parquetFiles.join(',')}])\`;
	const copy = \`COPY (\${select}) TO '\${outputFilepath}' (FORMAT 'PARQUET', CODEC 'ZSTD', USE_TMP_FILE false);\`;

	await fs.mkdir(path.dirname(outputFilepath), { recursive: true });
	await query(copy);
`,
    replacement: `	/* ledgerline: offline parquet merge */
	await fs.mkdir(path.dirname(outputFilepath), { recursive: true });
	if (tmpFilenames.length === 1) {
		await fs.copyFile(tmpFilenames[0], outputFilepath);
	} else {
		const { readParquet } = await import('parquet-wasm/node/arrow1.js');
		const { tableFromIPC } = await import('apache-arrow');
		const parts = [];
		for (const file of tmpFilenames) parts.push(tableFromIPC(readParquet(await fs.readFile(file)).intoIPCStream()));
		const merged = parts[0].concat(...parts.slice(1));
		const mergedProperties = new WriterPropertiesBuilder().setCompression(Compression.ZSTD).build();
		await fs.writeFile(outputFilepath, writeParquet(Table.fromIPCStream(tableToIPC(merged, 'stream')), mergedProperties));
	}
`,
  },
  {
    // `evidence sources`: a query that returns no rows writes no file, and a file from an earlier
    // build that had rows stayed and was served as current (e.g. a model's backtests after it was
    // removed). No rows now removes it; the build then leaves its table out (next patch).
    file: 'build-parquet.js',
    marker: '/* ledgerline: no rows, no stale file */',
    original: `	if (!tmpFilenames.length) return 0;
`,
    replacement: `	/* ledgerline: no rows, no stale file */
	if (!tmpFilenames.length) {
		await fs.rm(path.join(outDir, outputFilename), { force: true });
		return 0;
	}
`,
  },
  {
    // \`evidence build\`: the page queries run in DuckDB-wasm over views of the source parquet files,
    // and read_parquet hangs the same way (measured: the prerender never ends). The files are read
    // with parquet-wasm and loaded as tables of the same schema and name instead.
    file: 'client-duckdb/node.js',
    marker: '/* ledgerline: offline parquet tables, empty results */',
    original: `			db.registerFileURL(
				file_name,
				url.split(pathDelimiterRegex).join(path.sep),
				DuckDBDataProtocol.NODE_FS,
				false
			);
			connection.query(
				\`CREATE OR REPLACE VIEW "\${source}"."\${table}" AS (SELECT * FROM read_parquet('\${file_name}'));\`
			);
`,
    replacement: `			/* ledgerline: offline parquet tables, empty results */
			const parquetPath = url.split(pathDelimiterRegex).join(path.sep);
			// A source query that returned no rows leaves no file (build-parquet.js returns early): its
			// table is left out, and a page query on it shows the error instead of the build failing.
			if (!require('fs').existsSync(parquetPath)) continue;
			const { readParquet } = require('parquet-wasm/node/arrow1.js');
			const ipc = readParquet(require('fs').readFileSync(parquetPath)).intoIPCStream();
			for (const kind of ['VIEW', 'TABLE']) {
				try {
					connection.query(\`DROP \${kind} IF EXISTS "\${source}"."\${table}";\`);
				} catch {
					// The name is the other kind of object.
				}
			}
			connection.insertArrowFromIPCStream(ipc, { schema: source, name: table, create: true });
`,
  },
  {
    // The browser: every page load registered the source parquet files as read_parquet views, which
    // downloads the parquet extension (offline: a console error and a failed request on every page,
    // measured). Pages render from their prerendered query results, so no view is created; a query
    // re-run in the browser (an interactive input) fails visibly, naming the missing table.
    file: 'client-duckdb/browser.js',
    marker: '/* ledgerline: no parquet views in the browser */',
    original: `				await db.registerFileURL(file_name, addBasePath(path), DuckDBDataProtocol.HTTP, false);
				await connection.query(
					\`CREATE OR REPLACE VIEW "\${source}"."\${table}" AS (SELECT * FROM read_parquet('\${file_name}'));\`
				);
`,
    replacement: `				/* ledgerline: no parquet views in the browser */
				if (!globalThis.__ledgerlineOfflineNoted) {
					globalThis.__ledgerlineOfflineNoted = true;
					console.warn('Ledgerline dashboards are built offline: pages show prerendered results; interactive inputs cannot re-query the sources in the browser.');
				}
`,
  },
];

const project = join(dirname(fileURLToPath(import.meta.url)), '..');
// Its package.json is not exported, so it is found on disk: hoisted, or under the Evidence CLI that depends on it.
const root = [
  join(project, 'node_modules', '@evidence-dev', 'universal-sql'),
  join(project, 'node_modules', '@evidence-dev', 'evidence', 'node_modules', '@evidence-dev', 'universal-sql'),
].find((dir) => existsSync(join(dir, 'src')));
if (root === undefined) {
  console.error(`patch-universal-sql: @evidence-dev/universal-sql is not installed under ${project}: run npm install in dashboards/ again`);
  process.exit(1);
}

for (const patch of PATCHES) {
  const file = join(root, 'src', patch.file);
  const text = readFileSync(file, 'utf8');
  if (text.includes(patch.marker)) {
    console.log(`patch-universal-sql: already applied to ${file}`);
    continue;
  }
  const at = text.indexOf(patch.original);
  if (at < 0 || text.indexOf(patch.original, at + 1) >= 0) {
    console.error(
      `patch-universal-sql: the code to replace was not found (exactly once) in ${file}.\n` +
        '@evidence-dev/universal-sql changed: without this patch `evidence sources` / `evidence build` hang offline. ' +
        'Pin the version dashboards/package.json was written for (Evidence 40.1.8, universal-sql 3.0.1) or update this patch.',
    );
    process.exit(1);
  }
  writeFileSync(file, text.slice(0, at) + patch.replacement + text.slice(at + patch.original.length));
  console.log(`patch-universal-sql: applied to ${file}`);
}
