#!/usr/bin/env node
// Runs the integration suites inside a real VS Code: code-server 4.100.3 (installed/cached by
// scripts/setup-code-server.sh) + Debian chromium + playwright-core. The extension loads in development mode through
// the web workbench's `?payload=` parameter; each suite runs in the Node extension host and reports through
// window.codeAutomationExit. See ../shared/vscode-e2e.md.
//
// Four passes, each with a fresh code-server, user-data dir and copy of test/integration/fixtures/workspace:
//   main        test/integration/*.test.ts            (workspace trusted: trust disabled, as in the recipe)
//   restricted  test/integration/restricted/*.test.ts (workspace trust enabled, folder untrusted = Restricted Mode)
//   zh          test/integration/zh/*.test.ts         (display language zh-cn: the extension's Chinese strings)
//   nofolder    test/integration/nofolder/*.test.ts   (an empty window: models go to global storage)
//
// Usage: node scripts/run-integration.mjs [--no-build] [--keep] [--pass=main|restricted|zh|nofolder]
// Env:   SEQLAB_CODE_SERVER_DIR (install dir), SEQLAB_IT_TIMEOUT_S (per pass, default 360), SEQLAB_IT_GREP (mocha grep),
//        CHROMIUM (browser binary, default /usr/bin/chromium)
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const keep = args.includes('--keep');
const only = args.find((a) => a.startsWith('--pass='))?.slice('--pass='.length);
const timeoutS = Number(process.env.SEQLAB_IT_TIMEOUT_S ?? 360);
const t0 = Date.now();
const log = (...a) => console.log(`[it ${((Date.now() - t0) / 1000).toFixed(1)}s]`, ...a);

// 1. code-server install (cached), 2. build
const setup = spawnSync('bash', [join(ROOT, 'scripts/setup-code-server.sh')], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
if (setup.status !== 0) { console.error('setup-code-server.sh failed'); process.exit(1); }
const CS = setup.stdout.trim().split('\n').pop();
if (!args.includes('--no-build')) {
  const b = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, stdio: 'inherit' });
  if (b.status !== 0) process.exit(1);
}
for (const f of ['dist/extension.js', 'dist/worker.js', 'out/integration/index.js']) {
  if (!existsSync(join(ROOT, f))) { console.error(`missing ${f}: build failed?`); process.exit(1); }
}
const require = createRequire(join(CS, 'package.json'));
const { chromium } = require('playwright-core');

const freePort = () => new Promise((res) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); }); });

async function runPass(pass) {
  const restricted = pass === 'restricted';
  const TMP = mkdtempSync(join(tmpdir(), `seqlab-it-${pass}-`));
  const WS = join(TMP, 'workspace');
  cpSync(join(ROOT, 'test/integration/fixtures/workspace'), WS, { recursive: true });
  mkdirSync(join(TMP, 'ud/User'), { recursive: true });
  mkdirSync(join(TMP, 'ext'), { recursive: true });
  writeFileSync(join(TMP, 'ud/User/settings.json'), JSON.stringify({
    'workbench.startupEditor': 'none', 'workbench.tips.enabled': false, 'telemetry.telemetryLevel': 'off',
    'extensions.autoCheckUpdates': false, 'extensions.autoUpdate': false, 'extensions.ignoreRecommendations': true,
    'update.mode': 'none', 'workbench.enableExperiments': false, 'chat.commandCenter.enabled': false, 'git.enabled': false,
    'security.workspace.trust.enabled': restricted,
    ...(restricted ? { 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.banner': 'never' } : {}),
  }, null, 2));
  if (pass === 'zh') {
    // VS Code only switches its display language when a language pack declares it. No pack can be downloaded here, so
    // register a minimal one (no translations of VS Code itself: its own UI falls back to English) for zh-cn.
    const pack = join(TMP, 'zh-pack');
    mkdirSync(pack, { recursive: true });
    writeFileSync(join(pack, 'main.i18n.json'), JSON.stringify({ version: '1.0.0', contents: {} }));
    writeFileSync(join(TMP, 'ud', 'languagepacks.json'), JSON.stringify({ 'zh-cn': {
      hash: 'seqlab-it-zh', label: '中文(简体)', extensions: [{ extensionIdentifier: { id: 'seqlab-it.zh-pack' }, version: '0.0.0' }],
      translations: { vscode: join(pack, 'main.i18n.json') },
    } }));
  }
  const port = await freePort();
  writeFileSync(join(TMP, 'config.yaml'), `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const env = {
    ...process.env,
    XDG_DATA_HOME: join(TMP, 'xdg-data'), XDG_CONFIG_HOME: join(TMP, 'xdg-config'), XDG_CACHE_HOME: join(TMP, 'xdg-cache'),
    // read by the suite in the extension host (code-server's environment is inherited by the extension host)
    SEQLAB_IT: '1', SEQLAB_IT_SUITE: pass, SEQLAB_IT_WORKSPACE: WS, SEQLAB_IT_GREP: process.env.SEQLAB_IT_GREP ?? '',
  };
  const server = spawn(process.execPath, [join(CS, 'node_modules/code-server/out/node/entry.js'),
    '--config', join(TMP, 'config.yaml'), '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry', '--disable-update-check', '--disable-getting-started-override',
    ...(restricted ? [] : ['--disable-workspace-trust']),
    ...(pass === 'zh' ? ['--locale', 'zh-cn'] : []),
    '--user-data-dir', join(TMP, 'ud'), '--extensions-dir', join(TMP, 'ext'), ...(pass === 'nofolder' ? [] : [WS])],
  { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const serverLog = [];
  server.stdout.on('data', (d) => serverLog.push(String(d)));
  server.stderr.on('data', (d) => serverLog.push(String(d)));

  let browser;
  const cleanup = async () => {
    try { await browser?.close(); } catch { /* already gone */ }
    try { process.kill(-server.pid, 'SIGTERM'); } catch { /* already gone */ }
    await new Promise((r) => setTimeout(r, 500));
    try { process.kill(-server.pid, 'SIGKILL'); } catch { /* already gone */ }
    if (!keep) rmSync(TMP, { recursive: true, force: true });
    else log(`kept ${TMP}`);
  };
  const onSig = () => { cleanup().then(() => process.exit(130)); };
  process.once('SIGINT', onSig);
  process.once('SIGTERM', onSig);

  let code = 1;
  try {
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      try { if ((await fetch(`${base}/healthz`)).ok) break; } catch { /* not yet */ }
      if (i > 200) throw new Error('code-server did not answer /healthz within 20 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    log(`[${pass}] code-server up on ${base}`);
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'] });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    let done;
    const exited = new Promise((r) => { done = r; });
    await page.exposeFunction('codeAutomationLog', (type, a) => {
      const text = format(...(a ?? []));
      if (type === 'error' && /open-vsx|ENOTFOUND|gallery/i.test(text)) return; // expected offline noise
      if (/^(Resolving connection token|Resolved connection token|Creating a socket|Updating additional builtin|\[Service Worker\]|ChatSessionStore)/.test(text)) return; // workbench chatter
      console.log(text);
    });
    await page.exposeFunction('codeAutomationExit', (c) => done(c));
    // an extension host that dies never reports: fail fast instead of waiting for the timeout
    page.on('console', (m) => {
      if (/extension host .*(terminated unexpectedly|crashed)/i.test(m.text())) { console.error(`[${pass}] ${m.text()}`); done('crashed'); }
    });
    const authority = new URL(base).host;
    const payload = JSON.stringify([
      ['extensionDevelopmentPath', `vscode-remote://${authority}${ROOT}`],
      ['extensionTestsPath', `vscode-remote://${authority}${join(ROOT, 'out/integration/index.js')}`],
    ]);
    const where = pass === 'nofolder' ? 'ew=true' : `folder=${encodeURIComponent(WS)}`;
    await page.goto(`${base}/?${where}&payload=${encodeURIComponent(payload)}`);
    log(`[${pass}] workbench loading; the suite runs in the extension host`);
    const timer = new Promise((r) => setTimeout(() => r('timeout'), timeoutS * 1000));
    const result = await Promise.race([exited, timer]);
    if (result === 'crashed') console.error(`[${pass}] the extension host crashed`);
    else if (result === 'timeout') {
      console.error(`[${pass}] integration suite did not finish within ${timeoutS} s`);
      const shot = join(ROOT, 'artifacts', `integration-${pass}-timeout.png`);
      try { mkdirSync(dirname(shot), { recursive: true }); await page.screenshot({ path: shot }); console.error(`screenshot: ${shot}`); } catch { /* ignore */ }
      console.error(serverLog.join('').split('\n').slice(-40).join('\n'));
    } else code = result === 0 ? 0 : 1;
  } catch (e) {
    console.error(e);
    console.error(serverLog.join('').split('\n').slice(-40).join('\n'));
  } finally {
    process.removeListener('SIGINT', onSig);
    process.removeListener('SIGTERM', onSig);
    await cleanup();
  }
  log(`[${pass}] ${code === 0 ? 'passed' : 'FAILED'}`);
  return code;
}

let failed = 0;
for (const pass of ['main', 'restricted', 'zh', 'nofolder']) {
  if (only && only !== pass) continue;
  if ((await runPass(pass)) !== 0) failed++;
}
log(failed === 0 ? 'integration suites passed' : `${failed} integration suite(s) FAILED`);
process.exit(failed === 0 ? 0 : 1);
