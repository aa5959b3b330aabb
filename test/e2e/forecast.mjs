#!/usr/bin/env node
/* global process, console */
// End-to-end check of the forecast panel in a real VS Code (code-server 4.100.3 + Debian chromium + playwright-core,
// as scripts/run-e2e.mjs does for the other panels; see ../shared/vscode-e2e.md):
//   1. the CLI trains a forecaster on a real series (vega-datasets' Mauna Loa CO2, a dev dependency) in a workspace;
//   2. "Sequence Lab: Open Forecast" from the command palette opens the panel on it;
//   3. the webview shows the chart (history, test actual/predicted with the interval band) and the metrics table;
//   4. "Forecast next N" (24 steps) writes a new CSV beside the input, and the forecast appears in the chart;
//   5. a screenshot goes to artifacts/screenshots/forecast.png.
// Usage: node test/e2e/forecast.mjs [--no-build] [--keep]      Exits non-zero on any failure.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  ROOT,
  assert,
  canvasInk,
  driveWorkbench,
  makeLog,
  palette,
  paletteWhenListed,
  panelFrame,
  prepareCodeServer,
  saveShot,
  screenshotSettings,
  sleep,
  tempWorkspace,
  waitForWorkbench,
  writeUserSettings,
} from '../../scripts/lib/vscode-harness.mjs';

const args = process.argv.slice(2);
const keep = args.includes('--keep');
const timeoutS = Number(process.env.SEQLAB_E2E_TIMEOUT_S ?? 170);
const log = makeLog('e2e forecast');

const { cs, chromium } = prepareCodeServer({
  build: !args.includes('--no-build'),
  need: ['dist/extension.js', 'dist/worker.js', 'dist/cli.js', 'dist/webview/forecast.js'],
});

// ------------------------------------------------------------------ workspace with a trained forecaster
const { tmp: TMP, ws: WS } = tempWorkspace('seqlab-e2e-forecast-', { fixture: true });
const co2 = join(ROOT, 'node_modules/vega-datasets/data/co2-concentration.csv');
if (!existsSync(co2)) {
  console.error('vega-datasets is missing (npm ci installs it)');
  process.exit(1);
}
copyFileSync(co2, join(WS, 'co2.csv'));
const tr = spawnSync(
  process.execPath,
  [
    join(ROOT, 'dist/cli.js'),
    'forecast',
    'train',
    join(WS, 'co2.csv'),
    '--target',
    'CO2',
    '--no-features',
    '--window',
    '24',
    '--steps',
    process.env.SEQLAB_E2E_FORECAST_STEPS ?? '400',
    '--out',
    join(WS, '.seqlab/models'),
    '--name',
    'co2-lstm',
    '--json',
  ],
  { encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: join(TMP, 'xdg-cache') } },
);
if (tr.status !== 0) {
  console.error('training the forecaster failed:', tr.stderr || tr.stdout);
  process.exit(1);
}
const trained = JSON.parse(tr.stdout.trim().split('\n').pop());
log(`forecaster trained: test RMSE ${trained.test.rmse.toFixed(3)}; ${trained.verdict}`);

// ------------------------------------------------------------------ code-server
writeUserSettings(TMP, screenshotSettings(process.env.SEQLAB_E2E_THEME ?? 'Default Dark Modern'));

async function run(page, shots) {
  await waitForWorkbench(page, 'co2.csv');
  log('workbench ready');
  await sleep(3000); // activation (onStartupFinished)
  await palette(page, 'Notifications: Toggle Do Not Disturb Mode');
  // the extension's commands appear once it is registered (slower on a loaded machine): retry the palette
  await paletteWhenListed(page, 'Sequence Lab: Open Forecast', { what: 'the Open Forecast command', timeoutMs: 90_000, everyMs: 500, waitHidden: false });
  // the model quick pick
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: 'co2-lstm' }).first();
  await row.waitFor({ state: 'visible', timeout: 15_000 });
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });
  // the webview frame
  const frame = await panelFrame(page, 'forecast');
  await frame.locator('#chart canvas').first().waitFor({ state: 'visible', timeout: 20_000 });
  const table = await frame.locator('#metrics').innerText();
  assert(/persistence/.test(table) && /RMSE/.test(table), `metrics table: ${table}`);
  const verdict = await frame.locator('#verdict').innerText();
  assert(verdict.length > 10, 'verdict shown');
  log(`panel: ${verdict}`);
  // non-blank chart pixels
  const drawn = await canvasInk(frame, '#chart canvas');
  assert(drawn > 2000, `chart pixels drawn: ${drawn}`);
  // Forecast next 24
  await frame.locator('#steps').fill('24');
  await frame.locator('#steps').dispatchEvent('change');
  await frame.locator('#go').click();
  await frame.locator('#written', { hasText: 'co2.forecast.csv' }).waitFor({ state: 'visible', timeout: 30_000 });
  assert(existsSync(join(WS, 'co2.forecast.csv')), 'the forecast CSV was written beside the input');
  assert(readdirSync(WS).filter((f) => f.startsWith('co2.forecast')).length === 1, 'exactly one forecast file');
  log('Forecast next 24 wrote co2.forecast.csv');
  // close the side bar for a wider picture
  await page.keyboard.press('Control+B');
  await sleep(1200);
  await saveShot(page, join(shots, 'forecast.png'), log);
  // the Open link shows the written CSV in an editor
  await frame.locator('#written a').click();
  await page.locator('.tab', { hasText: 'co2.forecast.csv' }).first().waitFor({ state: 'visible', timeout: 15_000 });
  log('Open showed co2.forecast.csv');
}

const shots = resolve(ROOT, process.env.SEQLAB_E2E_SHOTS ?? 'artifacts/screenshots');
mkdirSync(shots, { recursive: true });
const code = await driveWorkbench({
  cs,
  chromium,
  tmp: TMP,
  ws: WS,
  keep,
  log,
  timeoutS,
  failureShotPath: join(shots, 'e2e-forecast-failure.png'),
  steps: (page) => run(page, shots),
});
log(code === 0 ? 'e2e forecast passed' : 'e2e forecast FAILED');
process.exit(code);
