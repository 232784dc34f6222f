// The root `postinstall`: installs the Evidence dashboards (dashboards/, a package of its own with
// its own lock file, ~630 MB) so that `npm install && npm start` serves them. SKIP_DASHBOARDS=1
// installs the engine alone; `npm run dashboards:install` adds them later. A failed dashboards
// install leaves the engine installed and says so: `npm start` then runs without dashboards.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

// Installed from a package rather than a clone: there is no dashboards project to install.
if (!existsSync('dashboards/package.json')) process.exit(0);
if (process.env.SKIP_DASHBOARDS === '1') {
  console.log('ledgerline: SKIP_DASHBOARDS=1, the dashboards are not installed (npm run dashboards:install adds them)');
  process.exit(0);
}
console.log('ledgerline: installing the dashboards (Evidence, ~630 MB; SKIP_DASHBOARDS=1 npm install skips them)');
const npm = process.env.npm_execpath ? [process.execPath, [process.env.npm_execpath]] : ['npm', []];
const result = spawnSync(npm[0], [...npm[1], 'install', '--prefix', 'dashboards', '--no-audit', '--no-fund'], { stdio: 'inherit' });
if (result.status !== 0) {
  console.warn(`ledgerline: the dashboards did not install (${result.error?.message ?? `npm exited with ${result.status}`}); the engine did. Fix the cause shown above and run npm run dashboards:install.`);
}
