#!/usr/bin/env node
/* global process, console, setTimeout */
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
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';
import {
  BASE_SETTINGS,
  ROOT,
  failureShot,
  makeLog,
  onSignals,
  prepareCodeServer,
  startCodeServer,
  stopRun,
  tempWorkspace,
  waitForHealthz,
  writeUserSettings,
} from './lib/vscode-harness.mjs';

const args = process.argv.slice(2);
const keep = args.includes('--keep');
const only = args.find((a) => a.startsWith('--pass='))?.slice('--pass='.length);
const timeoutS = Number(process.env.SEQLAB_IT_TIMEOUT_S ?? 360);
const log = makeLog('it');

// 1. code-server install (cached), 2. build
const { cs, chromium } = prepareCodeServer({ build: !args.includes('--no-build'), need: ['dist/extension.js', 'dist/worker.js', 'out/integration/index.js'] });

async function runPass(pass) {
  const restricted = pass === 'restricted';
  const { tmp: TMP, ws: WS } = tempWorkspace(`seqlab-it-${pass}-`, { fixture: true });
  writeUserSettings(TMP, {
    ...BASE_SETTINGS,
    'security.workspace.trust.enabled': restricted,
    ...(restricted ? { 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.banner': 'never' } : {}),
  });
  if (pass === 'zh') {
    // VS Code only switches its display language when a language pack declares it. No pack can be downloaded here, so
    // register a minimal one (no translations of VS Code itself: its own UI falls back to English) for zh-cn.
    const pack = join(TMP, 'zh-pack');
    mkdirSync(pack, { recursive: true });
    writeFileSync(join(pack, 'main.i18n.json'), JSON.stringify({ version: '1.0.0', contents: {} }));
    writeFileSync(
      join(TMP, 'ud', 'languagepacks.json'),
      JSON.stringify({
        'zh-cn': {
          hash: 'seqlab-it-zh',
          label: '中文(简体)',
          extensions: [{ extensionIdentifier: { id: 'seqlab-it.zh-pack' }, version: '0.0.0' }],
          translations: { vscode: join(pack, 'main.i18n.json') },
        },
      }),
    );
  }
  const server = await startCodeServer({
    cs,
    tmp: TMP,
    folder: pass === 'nofolder' ? undefined : WS,
    trust: restricted,
    args: pass === 'zh' ? ['--locale', 'zh-cn'] : [],
    // read by the suite in the extension host (code-server's environment is inherited by the extension host)
    env: { SEQLAB_IT: '1', SEQLAB_IT_SUITE: pass, SEQLAB_IT_WORKSPACE: WS, SEQLAB_IT_GREP: process.env.SEQLAB_IT_GREP ?? '' },
  });

  const cleanup = () => stopRun({ server, tmp: TMP, keep, log });
  const offSignals = onSignals(cleanup, ['SIGINT', 'SIGTERM']);

  let code = 1;
  try {
    await waitForHealthz(server.base);
    log(`[${pass}] code-server up on ${server.base}`);
    let done;
    const exited = new Promise((r) => {
      done = r;
    });
    const listen = async (page) => {
      await page.exposeFunction('codeAutomationLog', (type, a) => {
        const text = format(...(a ?? []));
        if (type === 'error' && /open-vsx|ENOTFOUND|gallery/i.test(text)) return; // expected offline noise
        if (
          /^(Resolving connection token|Resolved connection token|Creating a socket|Updating additional builtin|\[Service Worker\]|ChatSessionStore)/.test(text)
        )
          return; // workbench chatter
        console.log(text);
      });
      await page.exposeFunction('codeAutomationExit', (c) => done(c));
      // an extension host that dies never reports: fail fast instead of waiting for the timeout
      page.on('console', (m) => {
        if (/extension host .*(terminated unexpectedly|crashed)/i.test(m.text())) {
          console.error(`[${pass}] ${m.text()}`);
          done('crashed');
        }
      });
    };
    const page = await server.open(
      chromium,
      { folder: pass === 'nofolder' ? undefined : WS, devPath: ROOT, testsPath: join(ROOT, 'out/integration/index.js') },
      { beforeGoto: listen },
    ); // exposed before the workbench loads: it reports through them
    log(`[${pass}] workbench loading; the suite runs in the extension host`);
    const timer = new Promise((r) => setTimeout(() => r('timeout'), timeoutS * 1000));
    const result = await Promise.race([exited, timer]);
    if (result === 'crashed') console.error(`[${pass}] the extension host crashed`);
    else if (result === 'timeout') {
      console.error(`[${pass}] integration suite did not finish within ${timeoutS} s`);
      await failureShot(page, join(ROOT, 'artifacts', `integration-${pass}-timeout.png`));
      console.error(server.tail(40));
    } else code = result === 0 ? 0 : 1;
  } catch (e) {
    console.error(e);
    console.error(server.tail(40));
  } finally {
    offSignals();
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
