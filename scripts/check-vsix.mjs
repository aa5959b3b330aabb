#!/usr/bin/env node
/* global process, console, Buffer */
// The installed-copy check: installs the linux-x64 .vsix into code-server with `--install-extension` (a throwaway
// extensions dir), starts code-server on that dir with NO development path, and runs one user journey against the
// installed copy, driven like a user through the workbench (playwright-core + Debian chromium):
//   open a workspace holding a text file → open the file → "Sequence Lab: Train Model on Current File" from the
//   palette → LSTM, Tiny, 1 min (the shortest budget), the suggested name → the progress notification → the model in
//   the Models view (training) → "Sequence Lab: Stop Training" → the stopped model in the Models view with its
//   exported model.onnx on disk (ONNX export needs the shipped protobufjs; training needs the bundled worker).
// Screenshots: artifacts/screenshots/vsix-*.png. Exits non-zero on any failure.
//
// --journey: a new user's whole journey in the same session, a screenshot at each step under
// artifacts/screenshots/journey/: 1 workspace · 2 train from the palette (LSTM, Tiny, 1 min) · 3 progress notification
// and Models view · 4 dashboard with a loss curve · 5 Generate Text (characters stream in) · 6 hidden-state heatmap ·
// 7 autocomplete: ghost text accepted with Tab · 8 a CSV through Forecast CSV… to the forecast plot · 9 Delete Model;
// then the bad-input journeys: an empty file and a binary file get a clear message and no model.
//
// Usage: node scripts/check-vsix.mjs [path.vsix] [--build] [--keep] [--journey]
//   without a path it uses artifacts/vsix/seqlab-linux-x64-<version>.vsix, building it first (npm run package) when
//   missing or with --build.
// Env: SEQLAB_CODE_SERVER_DIR (install dir, cached), SEQLAB_VSIX_TIMEOUT_S (default 240), CHROMIUM (/usr/bin/chromium)
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  ROOT,
  assert,
  canvasColours,
  canvasInk,
  closeEditors as closeAll,
  codeServerEntry,
  failureShot,
  loadChromium,
  makeLog,
  onSignals,
  openFile as quickOpen,
  palette as runPalette,
  paletteWhenListed,
  panelFrame as findPanel,
  profileArgs,
  saveShot,
  screenshotSettings,
  setupCodeServer,
  sleep,
  startCodeServer,
  stopRun,
  tempWorkspace,
  until as untilEvery,
  waitForHealthz,
  waitForWorkbench,
  withTimeout,
  writeUserSettings,
  xdgEnv,
} from './lib/vscode-harness.mjs';

const args = process.argv.slice(2);
const keep = args.includes('--keep');
const full = args.includes('--journey');
const timeoutS = Number(process.env.SEQLAB_VSIX_TIMEOUT_S ?? (full ? 420 : 240));
const log = makeLog('vsix');
const until = (what, fn, timeoutMs = 30_000, everyMs = 250) => untilEvery(what, fn, timeoutMs, everyMs);
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const ID = `${pkg.publisher}.${pkg.name}`;

let vsix = args.find((a) => a.endsWith('.vsix'));
if (!vsix) {
  vsix = join(ROOT, `artifacts/vsix/${pkg.name}-linux-x64-${pkg.version}.vsix`);
  if (args.includes('--build') || !existsSync(vsix)) {
    const b = spawnSync(process.execPath, [join(ROOT, 'scripts/package.mjs'), '--target', 'linux-x64'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    if (b.status !== 0) {
      console.error('npm run package failed');
      process.exit(1);
    }
  }
}
vsix = resolve(vsix);
if (!existsSync(vsix)) {
  console.error(`no ${vsix}`);
  process.exit(1);
}

const CS = setupCodeServer();
const ENTRY = codeServerEntry(CS);
const chromium = loadChromium(CS);

// ------------------------------------------------------------------ install the .vsix into a throwaway extensions dir
const { tmp: TMP, ws: WS } = tempWorkspace('seqlab-vsix-');
const EXT = join(TMP, 'ext');
mkdirSync(EXT, { recursive: true });
mkdirSync(join(TMP, 'ud/User'), { recursive: true });
const env = xdgEnv(TMP);
const csArgs = profileArgs(TMP);
const inst = spawnSync(process.execPath, [ENTRY, ...csArgs, '--install-extension', vsix, '--force'], { env, encoding: 'utf8' });
log(
  'install:',
  (inst.stdout + inst.stderr)
    .trim()
    .split('\n')
    .filter((l) => !/open-vsx|ENOTFOUND/.test(l))
    .join(' | '),
);
const list = spawnSync(process.execPath, [ENTRY, ...csArgs, '--list-extensions', '--show-versions'], { env, encoding: 'utf8' });
const installedDirs = readdirSync(EXT).filter((d) => d.toLowerCase().startsWith(ID.toLowerCase()));
let code = 1;
let server;
let page;
const cleanup = () => stopRun({ server, tmp: TMP, keep, log });
onSignals(cleanup);
const shots = join(ROOT, 'artifacts/screenshots');
const journeyShots = join(shots, 'journey');
mkdirSync(full ? journeyShots : shots, { recursive: true });
const shot = (name, dir = shots) => saveShot(page, join(dir, name), log, 400);

try {
  assert(inst.status === 0, `--install-extension exited ${inst.status}`);
  assert(
    new RegExp(`^${ID.replace('.', '\\.')}@${pkg.version.replace(/\./g, '\\.')}$`, 'mi').test(list.stdout),
    `--list-extensions shows ${ID}@${pkg.version}: ${list.stdout.trim()}`,
  );
  assert(installedDirs.length === 1, `one installed folder for ${ID} in ${EXT}: ${readdirSync(EXT).join(', ')}`);
  const installed = join(EXT, installedDirs[0]);
  assert(!lstatSync(installed).isSymbolicLink(), 'the installed copy is a real folder, not a link to the development folder');
  assert(
    existsSync(join(installed, 'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node')),
    'the installed copy holds the linux-x64 onnxruntime binary',
  );
  assert(
    !existsSync(join(installed, 'src')) && !existsSync(join(installed, 'test')) && !existsSync(join(installed, 'dist/extension.js.map')),
    'no sources, tests or source maps installed',
  );
  log(
    `installed ${installedDirs[0]} (${list.stdout
      .trim()
      .split('\n')
      .filter((l) => l.includes(ID))
      .join()})`,
  );

  // ------------------------------------------------------------------ workspace + code-server on the installed copy
  const text = readFileSync(join(ROOT, 'test/integration/fixtures/workspace/tiny.txt'), 'utf8');
  writeFileSync(join(WS, 'journey.txt'), text.repeat(2));
  if (full) {
    writeFileSync(join(WS, 'draft.txt'), '');
    writeFileSync(join(WS, 'empty.txt'), '');
    writeFileSync(join(WS, 'blob.txt'), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 37 + 11) % 256)));
    writeFileSync(join(WS, 'sales.csv'), readFileSync(join(ROOT, 'test/integration/fixtures/workspace/sales.csv')));
  }
  writeUserSettings(TMP, screenshotSettings('Default Dark Modern'));
  server = await startCodeServer({ cs: CS, tmp: TMP, folder: WS });
  await waitForHealthz(server.base);
  page = await server.open(chromium, { folder: WS }); // no payload: the extension comes from the extensions dir only

  const journey = async () => {
    const quick = page.locator('.quick-input-widget');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    const row = (text) => page.locator('.quick-input-widget .monaco-list-row', { hasText: text }).first();
    const palette = (title) => runPalette(page, title, { rowTimeoutMs: 5_000, waitHidden: false });
    await waitForWorkbench(page, 'journey.txt');
    log('workbench ready');
    const j = (name) => (full ? shot(name, journeyShots) : Promise.resolve());
    await j('01-workspace.png');
    // 1. open the text file
    await openFile('journey.txt');
    // 2. Train Model on Current File (the commands appear once the installed extension is registered: retry)
    await paletteWhenListed(page, 'Sequence Lab: Train Model on Current File', {
      what: "the installed extension's Train command in the palette",
      timeoutMs: 60_000,
      everyMs: 1000,
      rowTimeoutMs: 5_000,
      waitHidden: false,
    });
    for (const [step, pick] of [
      ['(1/4)', 'LSTM'],
      ['(2/4)', 'Tiny'],
      ['(3/4)', '1 min'],
    ]) {
      await page.locator('.quick-input-widget .quick-input-title', { hasText: step }).waitFor({ state: 'visible', timeout: 30_000 });
      if (step === '(2/4)') await j('02-train-size-pick.png');
      await row(pick).click();
    }
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'Name the model' }).waitFor({ state: 'visible', timeout: 10_000 });
    const name = await input.inputValue();
    assert(/journey/.test(name), `the suggested model name comes from the file: ${name}`);
    await page.keyboard.press('Enter');
    await quick.waitFor({ state: 'hidden', timeout: 10_000 });
    log(`training "${name}"`);
    // 3. the progress notification, then the model in the Models view
    const toast = page.locator('.notifications-toasts .notification-toast', { hasText: `Training "${name}"` }).first();
    await toast.waitFor({ state: 'visible', timeout: 60_000 });
    await until('a progress line in the notification (step, loss)', async () => /loss|step|bits/i.test(await toast.innerText()), 90_000);
    await shot('vsix-1-training.png');
    await j('03a-progress-notification.png');
    await page.locator('.activitybar a.action-label[aria-label^="Sequence Lab"]').first().click();
    const modelRow = page.locator('.pane-body .monaco-list-row', { hasText: name }).first();
    await modelRow.waitFor({ state: 'visible', timeout: 30_000 });
    log('model in the Models view:', (await modelRow.innerText()).replace(/\s+/g, ' '));
    await j('03b-models-view-training.png');
    if (full) {
      // 4. the dashboard of the running job: a loss curve with drawn pixels
      await palette('Sequence Lab: Open Training Dashboard');
      const f = await panelFrame('dashboard');
      await until('loss curve points', async () => Number(await f.locator('#chart').getAttribute('data-points')) >= 3, 60_000, 500);
      const px = await canvasInk(f, '#chart canvas');
      assert(px > 200, `the loss chart has drawn pixels (${px})`);
      log(`dashboard: ${await f.locator('#chart').getAttribute('data-points')} points`);
      await j('04-dashboard-loss-curve.png');
      await sleep(8000); // a little more training for the autocomplete step
    }
    // stop: the run keeps its best model, exported to ONNX
    await sleep(3000);
    await palette('Sequence Lab: Stop Training');
    const dir = join(WS, '.seqlab/models', name);
    await until(
      'model.onnx + a stopped/complete card on disk',
      async () => {
        if (!existsSync(join(dir, 'model.onnx'))) return false;
        const card = JSON.parse(readFileSync(join(dir, 'card.json'), 'utf8'));
        return card.status === 'stopped' || card.status === 'complete';
      },
      90_000,
      500,
    );
    await until("the finished model's description in the Models view", async () => /LSTM.*params/.test(await modelRow.innerText()), 30_000);
    log('finished model:', (await modelRow.innerText()).replace(/\s+/g, ' '));
    await shot('vsix-2-models-view.png');
    if (full) await fullJourney(name);
  };

  const panelFrame = (kind, timeoutMs = 30_000) => findPanel(page, kind, timeoutMs, 250);
  const openFile = (file) => quickOpen(page, file, { waitHidden: false });
  const CMD = { rowTimeoutMs: 10_000, waitHidden: false, pickWith: 'click' };
  const cmd = (title, pick) => runPalette(page, title, { ...CMD, pick });
  const closeEditors = () => closeAll(page, CMD);
  const toastWith = (re) => page.locator('.notifications-toasts .notification-toast').filter({ hasText: re }).first();

  async function fullJourney(name) {
    const j = (n) => shot(n, journeyShots);
    // 5. Generate Text: characters stream in
    await closeEditors();
    await openFile('journey.txt');
    await cmd('Sequence Lab: Generate Text…');
    let f = await panelFrame('generate');
    await until('the model picker', async () => (await f.locator('vscode-option').count()) > 0, 20_000);
    await f.locator('#length').fill('300');
    await f.locator('#run').click();
    await until('generated characters', async () => Number(await f.locator('#output').getAttribute('data-chars')) >= 300, 60_000, 300);
    const out = await f.locator('#output').innerText();
    assert(out.replace(/\s/g, '').length > 50, 'generated text has visible characters');
    log(`generate: ${JSON.stringify(out.slice(0, 60))}…`);
    await j('05-generate.png');
    await closeEditors();
    // 6. hidden states: a heatmap with many colours
    await openFile('journey.txt');
    await cmd('Sequence Lab: Show Hidden States');
    f = await panelFrame('hidden');
    await until('a model in the picker', async () => (await f.locator('#model vscode-option').count()) > 0, 20_000);
    await f.locator('#run').click();
    await until('the heatmap to render', async () => (await f.locator('#heatmap').getAttribute('data-render-ms')) !== null, 90_000, 300);
    const { colours } = await canvasColours(f, '#heatmap');
    assert(colours > 20, `the heatmap has many colours (${colours})`);
    log(`hidden states: heatmap with ${colours} colours`);
    await j('06-hidden-states.png');
    await closeEditors();
    // 7. autocomplete: use the model, type, see ghost text, accept it with Tab
    await cmd('Sequence Lab: Use Model for Autocomplete', name);
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });
    await page.locator('.statusbar-item', { hasText: name }).first().waitFor({ state: 'visible', timeout: 15_000 });
    await openFile('draft.txt');
    await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
    const ghost = page.locator('.monaco-editor .ghost-text-decoration');
    const typed = 'The green hill walks beside the fa';
    await page.keyboard.type(typed, { delay: 40 });
    await ghost.first().waitFor({ state: 'visible', timeout: 30_000 });
    await sleep(400);
    const suggestion = (await ghost.allInnerTexts()).join('');
    log(`ghost text: ${JSON.stringify(suggestion)}`);
    await j('07a-autocomplete-ghost-text.png');
    await page.keyboard.press('Tab');
    const line = await until(
      'the suggestion inserted by Tab',
      async () => {
        const l = await page.locator('.editor-instance .monaco-editor .view-line').first().innerText();
        const clean = l.replace(/\u00a0/g, ' ');
        return clean.length > typed.length && clean.startsWith(typed) ? clean : false;
      },
      10_000,
    );
    log(`line after Tab: ${JSON.stringify(line)}`);
    await j('07b-autocomplete-accepted.png');
    await cmd('Sequence Lab: Toggle Autocomplete'); // off again for the rest
    await closeEditors();
    // 8. a CSV through Forecast CSV… (the defaults, the quick budget) to the forecast plot
    await openFile('sales.csv');
    await cmd('Sequence Lab: Forecast CSV');
    for (let i = 0; i < 12; i++) {
      const title = await page
        .locator('.quick-input-widget .quick-input-title')
        .innerText({ timeout: 15_000 })
        .catch(() => '');
      if (/budget/i.test(title)) {
        await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Quick' }).first().click();
        break;
      }
      await sleep(300);
      await page.keyboard.press('Enter');
      await sleep(500);
    }
    f = await panelFrame('forecast', 180_000);
    await f.locator('#chart canvas').first().waitFor({ state: 'visible', timeout: 30_000 });
    const metrics = await f.locator('#metrics').innerText();
    assert(/persistence/.test(metrics) && /RMSE/.test(metrics), `forecast metrics: ${metrics}`);
    log(`forecast: ${(await f.locator('#verdict').innerText()).slice(0, 120)}`);
    await j('08-forecast.png');
    await closeEditors();
    // 9. delete the model (the modal confirmation)
    await cmd('Focus on Models View'); // (clicking the already-active container would hide the side bar)
    const models = page.locator('.pane-body .monaco-list-row', { hasText: name });
    await models.first().waitFor({ state: 'visible', timeout: 10_000 });
    await cmd('Sequence Lab: Delete Model', name);
    const del = page.locator('.monaco-dialog-box .monaco-button', { hasText: /^Delete/ }).first();
    await del.waitFor({ state: 'visible', timeout: 10_000 });
    await j('09a-delete-confirm.png');
    await del.click();
    await until('the model folder removed', () => !existsSync(join(WS, '.seqlab/models', name)), 20_000);
    await page.locator('.pane-body .monaco-list-row', { hasText: 'sales' }).first().waitFor({ state: 'visible', timeout: 5_000 }); // the view still shows the forecaster…
    await until('the model gone from the Models view', async () => (await models.count()) === 0, 10_000); // …without the model
    await j('09b-deleted.png');
    log('deleted');
    // bad input: an empty file and a binary file get one clear message and no model
    // (the empty file from the palette; the binary one from the Explorer's context menu: VS Code shows no text
    // editor for a binary file, so "Train Model on Current File" is not offered)
    for (const [file, re] of [
      ['empty.txt', /empty/i],
      ['blob.txt', /binary|UTF-8/i],
    ]) {
      if (file === 'empty.txt') {
        await openFile(file);
        await cmd('Sequence Lab: Train Model on Current File');
      } else {
        await page.keyboard.press('Control+Shift+E');
        const item = page.locator('.explorer-folders-view .monaco-list-row', { hasText: file }).first();
        await item.waitFor({ state: 'visible', timeout: 10_000 });
        await item.click({ button: 'right' });
        const entry = page.locator('.monaco-menu .action-item', { hasText: 'Train Sequence Model' }).first();
        await entry.waitFor({ state: 'visible', timeout: 10_000 });
        await sleep(300); // the menu fades in; a click during it can be lost
        await entry.hover();
        await page.keyboard.press('Enter');
        await entry.waitFor({ state: 'hidden', timeout: 5_000 });
      }
      const t = toastWith(re);
      await until(
        `the message for ${file}`,
        async () => {
          if (await t.isVisible()) return true;
          if (await page.locator('.quick-input-widget').isVisible()) await page.keyboard.press('Enter'); // defaults, if it asks first
          return false;
        },
        30_000,
        500,
      );
      log(`${file}: ${(await t.innerText()).split('\n')[0]}`);
      await j(`10-bad-input-${file.replace('.txt', '')}.png`);
      await page.keyboard.press('Escape');
      assert(!existsSync(join(WS, '.seqlab/models', file.replace('.txt', ''))), `no model folder for ${file}`);
      await closeEditors();
    }
  }
  await withTimeout(journey(), timeoutS, `the journey did not finish within ${timeoutS} s`);
  // the extension host ran the installed copy, not a development folder
  const hostLog = server.log.join('');
  assert(!/extensionDevelopmentPath/.test(hostLog), 'no development path in the server log');
  code = 0;
} catch (e) {
  console.error('VSIX CHECK FAILED:', e?.stack ?? e);
  await failureShot(server?.page, join(shots, 'vsix-failure.png'), { announce: false });
  console.error(server ? server.tail(30, { quiet: true }) : '');
} finally {
  await cleanup();
}
log(code === 0 ? `installed-copy check passed (${vsix})` : 'installed-copy check FAILED');
process.exit(code);
