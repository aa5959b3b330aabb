#!/usr/bin/env node
// End-to-end checks of the three webview panels in a real VS Code: code-server 4.100.3 (scripts/setup-code-server.sh,
// cached) + Debian chromium + playwright-core, the extension loaded in development mode from this folder
// (?payload=[["extensionDevelopmentPath", vscode-remote://…]]). See ../shared/vscode-e2e.md.
//
// For each panel test/e2e/panels.mjs opens it through the command palette, waits for real content inside the
// webview (a loss curve, generated characters, a heatmap canvas with non-blank pixels), uses one control and saves a
// screenshot under artifacts/screenshots/. Exits non-zero on any failure.
//
// Usage: node scripts/run-e2e.mjs [--no-build] [--keep]
// Env:   SEQLAB_CODE_SERVER_DIR (install dir), SEQLAB_E2E_TIMEOUT_S (default 170), CHROMIUM (default /usr/bin/chromium),
//        SEQLAB_E2E_THEME (colour theme, default 'Default Dark Modern'), SEQLAB_E2E_SHOTS (screenshot folder),
//        SEQLAB_E2E_DEMO_STEPS / SEQLAB_E2E_DEMO_HIDDEN (the demo LSTM's training: 120 steps, 48 units; more for README pictures)
//        SEQLAB_E2E_LIVE_STEPS / SEQLAB_E2E_LIVE_HIDDEN (the live GRU run the dashboard shows and stops: 50000 steps (long enough to be running when Stop is pressed on a quiet machine), 32 units)
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const keep = args.includes('--keep');
const timeoutS = Number(process.env.SEQLAB_E2E_TIMEOUT_S ?? 170);
const t0 = Date.now();
const log = (...a) => console.log(`[e2e ${((Date.now() - t0) / 1000).toFixed(1)}s]`, ...a);

const setup = spawnSync('bash', [join(ROOT, 'scripts/setup-code-server.sh')], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
if (setup.status !== 0) { console.error('setup-code-server.sh failed'); process.exit(1); }
const CS = setup.stdout.trim().split('\n').pop();
if (!args.includes('--no-build')) {
  const b = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, stdio: 'inherit' });
  if (b.status !== 0) process.exit(1);
}
for (const f of ['dist/extension.js', 'dist/worker.js', 'dist/infer-worker.js', 'dist/cli.js', 'dist/webview/dashboard.js', 'dist/webview/generate.js', 'dist/webview/hidden.js']) {
  if (!existsSync(join(ROOT, f))) { console.error(`missing ${f}: build failed?`); process.exit(1); }
}
const require = createRequire(join(CS, 'package.json'));
const { chromium } = require('playwright-core');
const freePort = () => new Promise((res) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); }); });

// ------------------------------------------------------------------ workspace: text, a trained model, a live recipe
const TMP = mkdtempSync(join(tmpdir(), 'seqlab-e2e-'));
const WS = join(TMP, 'workspace');
cpSync(join(ROOT, 'test/integration/fixtures/workspace'), WS, { recursive: true });
// a longer text for the hidden-state panel: the reference corpus when present (never committed), else the fixture
const corpus = join(ROOT, '../shared/data/tinyshakespeare.txt');
const story = existsSync(corpus) ? readFileSync(corpus, 'utf8').slice(0, 24_000) : readFileSync(join(WS, 'tiny.txt'), 'utf8').repeat(3);
writeFileSync(join(WS, 'story.txt'), story);
const models = join(WS, '.seqlab/models');
const tr = spawnSync(process.execPath, [join(ROOT, 'dist/cli.js'), 'train', join(WS, 'story.txt'), '--hidden', process.env.SEQLAB_E2E_DEMO_HIDDEN ?? '48', '--emb', '16',
  '--batch', '8', '--seq', '64', '--steps', process.env.SEQLAB_E2E_DEMO_STEPS ?? '120', '--eval-every', '40', '--lr', '0.01', '--out', models, '--name', 'demo-lstm', '--json'],
{ encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: join(TMP, 'xdg-cache') } });
if (tr.status !== 0) { console.error('training the demo model failed:', tr.stderr || tr.stdout); process.exit(1); }
log('demo model trained:', tr.stdout.trim().split('\n').pop());
writeFileSync(join(WS, 'live.seqlab.json'), JSON.stringify({
  name: 'poem-live', data: ['tiny.txt'],
  options: { cell: 'gru', layers: 1, hidden: Number(process.env.SEQLAB_E2E_LIVE_HIDDEN ?? 32), emb: 16, batch: 8, seq: 32, steps: Number(process.env.SEQLAB_E2E_LIVE_STEPS ?? 50000), minutes: 0, evalEvery: 20, sampleChars: 80, lr: 0.01 },
}, null, 2));

// ------------------------------------------------------------------ code-server
mkdirSync(join(TMP, 'ud/User'), { recursive: true });
mkdirSync(join(TMP, 'ext'), { recursive: true });
writeFileSync(join(TMP, 'ud/User/settings.json'), JSON.stringify({
  'workbench.startupEditor': 'none', 'workbench.tips.enabled': false, 'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false, 'extensions.autoUpdate': false, 'extensions.ignoreRecommendations': true,
  'update.mode': 'none', 'workbench.enableExperiments': false, 'chat.commandCenter.enabled': false, 'git.enabled': false,
  'security.workspace.trust.enabled': false, 'workbench.colorTheme': process.env.SEQLAB_E2E_THEME ?? 'Default Dark Modern',
  'window.commandCenter': false, 'workbench.layoutControl.enabled': false,
}, null, 2));
const port = await freePort();
writeFileSync(join(TMP, 'config.yaml'), `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
const env = { ...process.env, XDG_DATA_HOME: join(TMP, 'xdg-data'), XDG_CONFIG_HOME: join(TMP, 'xdg-config'), XDG_CACHE_HOME: join(TMP, 'xdg-cache') };
const server = spawn(process.execPath, [join(CS, 'node_modules/code-server/out/node/entry.js'),
  '--config', join(TMP, 'config.yaml'), '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`,
  '--disable-telemetry', '--disable-update-check', '--disable-getting-started-override', '--disable-workspace-trust',
  '--user-data-dir', join(TMP, 'ud'), '--extensions-dir', join(TMP, 'ext'), WS],
{ env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
const serverLog = [];
server.stdout.on('data', (d) => serverLog.push(String(d)));
server.stderr.on('data', (d) => serverLog.push(String(d)));

let browser;
const cleanup = async () => {
  try { await browser?.close(); } catch { /* gone */ }
  try { process.kill(-server.pid, 'SIGTERM'); } catch { /* gone */ }
  await new Promise((r) => setTimeout(r, 500));
  try { process.kill(-server.pid, 'SIGKILL'); } catch { /* gone */ }
  if (!keep) rmSync(TMP, { recursive: true, force: true }); else log(`kept ${TMP}`);
};
process.once('SIGINT', () => { cleanup().then(() => process.exit(130)); });

let code = 1;
const shots = resolve(ROOT, process.env.SEQLAB_E2E_SHOTS ?? 'artifacts/screenshots');
mkdirSync(shots, { recursive: true });
let page;
try {
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try { if ((await fetch(`${base}/healthz`)).ok) break; } catch { /* not yet */ }
    if (i > 200) throw new Error('code-server did not answer /healthz within 20 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  log(`code-server up on ${base}`);
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const authority = new URL(base).host;
  const payload = JSON.stringify([['extensionDevelopmentPath', `vscode-remote://${authority}${ROOT}`]]);
  await page.goto(`${base}/?folder=${encodeURIComponent(WS)}&payload=${encodeURIComponent(payload)}`);
  const { runPanels } = await import(join(ROOT, 'test/e2e/panels.mjs'));
  const timer = new Promise((_, rej) => setTimeout(() => rej(new Error(`e2e did not finish within ${timeoutS} s`)), timeoutS * 1000));
  await Promise.race([runPanels({ page, ws: WS, shots, log }), timer]);
  code = 0;
} catch (e) {
  console.error('E2E FAILED:', e?.stack ?? e);
  try { if (page) { await page.screenshot({ path: join(shots, 'e2e-failure.png') }); console.error(`screenshot: ${join(shots, 'e2e-failure.png')}`); } } catch { /* ignore */ }
  console.error(serverLog.join('').split('\n').filter((l) => !/open-vsx|ENOTFOUND/.test(l)).slice(-30).join('\n'));
} finally {
  await cleanup();
}
log(code === 0 ? 'e2e passed' : 'e2e FAILED');
process.exit(code);
