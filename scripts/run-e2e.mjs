#!/usr/bin/env node
/* global process, console */
// End-to-end checks of the three webview panels in a real VS Code: code-server 4.100.3 (scripts/setup-code-server.sh,
// cached) + Debian chromium + playwright-core, the extension loaded in development mode from this folder
// (?payload=[["extensionDevelopmentPath", vscode-remote://…]]). See ../shared/vscode-e2e.md.
//
// For each panel test/e2e/panels.mjs opens it through the command palette, waits for real content inside the
// webview (a loss curve, generated characters, a heatmap canvas with non-blank pixels), uses one control and saves a
// screenshot under artifacts/screenshots/. Exits non-zero on any failure.
//
// Usage: node scripts/run-e2e.mjs [--no-build] [--keep]
// Env:   SEQLAB_CODE_SERVER_DIR (install dir), SEQLAB_E2E_TIMEOUT_S (default 260), CHROMIUM (default /usr/bin/chromium),
//        SEQLAB_E2E_THEME (colour theme, default 'Default Dark Modern'), SEQLAB_E2E_SHOTS (screenshot folder),
//        SEQLAB_E2E_DEMO_STEPS / SEQLAB_E2E_DEMO_HIDDEN (the demo LSTM's training: 120 steps, 48 units; more for README pictures)
//        SEQLAB_E2E_LIVE_STEPS / SEQLAB_E2E_LIVE_HIDDEN (the live GRU run the dashboard shows and stops: 50000 steps (long enough to be running when Stop is pressed on a quiet machine), 32 units)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ROOT, driveWorkbench, makeLog, prepareCodeServer, screenshotSettings, tempWorkspace, writeUserSettings } from './lib/vscode-harness.mjs';

const args = process.argv.slice(2);
const keep = args.includes('--keep');
const timeoutS = Number(process.env.SEQLAB_E2E_TIMEOUT_S ?? 260);
const log = makeLog('e2e');

const { cs, chromium } = prepareCodeServer({
  build: !args.includes('--no-build'),
  need: [
    'dist/extension.js',
    'dist/worker.js',
    'dist/infer-worker.js',
    'dist/cli.js',
    'dist/webview/dashboard.js',
    'dist/webview/generate.js',
    'dist/webview/hidden.js',
  ],
});

// ------------------------------------------------------------------ workspace: text, a trained model, a live recipe
const { tmp: TMP, ws: WS } = tempWorkspace('seqlab-e2e-', { fixture: true });
// a longer text for the hidden-state panel: the reference corpus when present (never committed), else the fixture
const corpus = join(ROOT, '../shared/data/tinyshakespeare.txt');
const story = existsSync(corpus) ? readFileSync(corpus, 'utf8').slice(0, 24_000) : readFileSync(join(WS, 'tiny.txt'), 'utf8').repeat(3);
writeFileSync(join(WS, 'story.txt'), story);
const models = join(WS, '.seqlab/models');
const tr = spawnSync(
  process.execPath,
  [
    join(ROOT, 'dist/cli.js'),
    'train',
    join(WS, 'story.txt'),
    '--hidden',
    process.env.SEQLAB_E2E_DEMO_HIDDEN ?? '48',
    '--emb',
    '16',
    '--batch',
    '8',
    '--seq',
    '64',
    '--steps',
    process.env.SEQLAB_E2E_DEMO_STEPS ?? '120',
    '--eval-every',
    '40',
    '--lr',
    '0.01',
    '--out',
    models,
    '--name',
    'demo-lstm',
    '--json',
  ],
  { encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: join(TMP, 'xdg-cache') } },
);
if (tr.status !== 0) {
  console.error('training the demo model failed:', tr.stderr || tr.stdout);
  process.exit(1);
}
log('demo model trained:', tr.stdout.trim().split('\n').pop());
writeFileSync(
  join(WS, 'live.seqlab.json'),
  JSON.stringify(
    {
      name: 'poem-live',
      data: ['tiny.txt'],
      options: {
        cell: 'gru',
        layers: 1,
        hidden: Number(process.env.SEQLAB_E2E_LIVE_HIDDEN ?? 32),
        emb: 16,
        batch: 8,
        seq: 32,
        steps: Number(process.env.SEQLAB_E2E_LIVE_STEPS ?? 50000),
        minutes: 0,
        evalEvery: 20,
        sampleChars: 80,
        lr: 0.01,
      },
    },
    null,
    2,
  ),
);

// ------------------------------------------------------------------ code-server
writeUserSettings(TMP, screenshotSettings(process.env.SEQLAB_E2E_THEME ?? 'Default Dark Modern'));
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
  failureShotPath: join(shots, 'e2e-failure.png'),
  logUp: true,
  steps: async (page) => {
    const { runPanels } = await import(join(ROOT, 'test/e2e/panels.mjs'));
    await runPanels({ page, ws: WS, shots, log });
  },
});
log(code === 0 ? 'e2e passed' : 'e2e FAILED');
process.exit(code);
