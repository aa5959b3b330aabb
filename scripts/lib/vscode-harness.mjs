/* global process, console, setTimeout, clearTimeout, fetch, document, URL */
// The shared harness of the scripts that drive a real VS Code: code-server 4.100.3 (installed and cached by
// scripts/setup-code-server.sh) + Debian chromium + playwright-core. The recipe and the selectors that work are in
// ../shared/vscode-e2e.md. Used by scripts/run-e2e.mjs, scripts/run-integration.mjs, scripts/check-vsix.mjs and
// test/e2e/{panels,forecast,autocomplete}.mjs; each keeps its own workspace, steps, log lines and verdict.
//
// A run, in order:
//   const { cs, chromium } = prepareCodeServer({ build: !args.includes('--no-build'), need: ['dist/extension.js'] });
//   const { tmp, ws } = tempWorkspace('seqlab-x-', { fixture: true });
//   writeUserSettings(tmp, { ...BASE_SETTINGS, ... });                // or screenshotSettings(theme)
//   const server = await startCodeServer({ cs, tmp, folder: ws });     // detached: its own process group
//   const cleanup = () => stopRun({ server, tmp, keep, log });         // browser, code-server, tmp
//   onSignals(cleanup);                                                // Ctrl+C: clean up, exit 130
//   try {
//     await waitForHealthz(server.base);
//     const page = await server.open(chromium, { folder: ws, devPath: ROOT });   // chromium on the workbench
//     await withTimeout(steps(page), timeoutS, '… did not finish within N s');
//   } catch (e) { … failureShot(server.page, …); console.error(server.tail(30)); } finally { await cleanup(); }
// driveWorkbench() is that whole block for the e2e drivers (run-e2e, test/e2e/forecast).
//
// Environment read here: SEQLAB_CODE_SERVER_DIR (by setup-code-server.sh: the install dir), CHROMIUM (the browser
// binary, default /usr/bin/chromium).
//
// Workbench helpers (palette, openFile, panelFrame, …) take the playwright `page` first; their timeouts are the
// ones the scripts used before this module existed, overridable per call.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** the repository root (this file is scripts/lib/vscode-harness.mjs) */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

// ------------------------------------------------------------------ small utilities

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** `[tag 12.3s] …` on stdout, the time counted from this call */
export function makeLog(tag) {
  const t0 = Date.now();
  return (...a) => console.log(`[${tag} ${((Date.now() - t0) / 1000).toFixed(1)}s]`, ...a);
}

export function assert(cond, msg) {
  if (!cond) throw new Error(`assertion failed: ${msg}`);
}

/** polls `fn` until it returns a truthy value (returned) or `timeoutMs` passes (throws, with the last error if any) */
export async function until(what, fn, timeoutMs = 30_000, everyMs = 200) {
  const end = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await sleep(everyMs);
  }
}

/** `promise`, or a rejection with `message` after `seconds` */
export async function withTimeout(promise, seconds, message) {
  let timer;
  const timeout = new Promise((_, rej) => {
    timer = setTimeout(() => rej(new Error(message)), seconds * 1000);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export const freePort = () =>
  new Promise((res) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => res(p));
    });
  });

// ------------------------------------------------------------------ install, build, playwright

/** runs scripts/setup-code-server.sh (cached install); exits 1 if it fails; returns the install dir */
export function setupCodeServer() {
  const setup = spawnSync('bash', [join(ROOT, 'scripts/setup-code-server.sh')], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (setup.status !== 0) {
    console.error('setup-code-server.sh failed');
    process.exit(1);
  }
  return setup.stdout.trim().split('\n').pop();
}

/** the code-server install, the extension built (esbuild.mjs, unless `build` is false) and the `need`ed files checked
 * (exit 1 when one is missing), and playwright-core's chromium from the install */
export function prepareCodeServer({ build = true, need = [] } = {}) {
  const cs = setupCodeServer();
  if (build) {
    const b = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, stdio: 'inherit' });
    if (b.status !== 0) process.exit(1);
  }
  for (const f of need) {
    if (!existsSync(join(ROOT, f))) {
      console.error(`missing ${f}: build failed?`);
      process.exit(1);
    }
  }
  return { cs, chromium: loadChromium(cs) };
}

/** playwright-core's chromium, as installed beside code-server */
export const loadChromium = (cs) => createRequire(join(cs, 'package.json'))('playwright-core').chromium;

/** code-server's node entry point in an install */
export const codeServerEntry = (cs) => join(cs, 'node_modules/code-server/out/node/entry.js');

// ------------------------------------------------------------------ a throwaway code-server

/** a fresh temp folder `tmp` holding `ws` = tmp/workspace: a copy of test/integration/fixtures/workspace (`fixture`)
 * or an empty folder */
export function tempWorkspace(prefix, { fixture = false } = {}) {
  const tmp = mkdtempSync(join(tmpdir(), prefix));
  const ws = join(tmp, 'workspace');
  if (fixture) cpSync(join(ROOT, 'test/integration/fixtures/workspace'), ws, { recursive: true });
  else mkdirSync(ws, { recursive: true });
  return { tmp, ws };
}

/** the user settings every run starts from: no tips, telemetry, updates, experiments, git or trust prompt */
export const BASE_SETTINGS = Object.freeze({
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'workbench.enableExperiments': false,
  'chat.commandCenter.enabled': false,
  'git.enabled': false,
  'security.workspace.trust.enabled': false,
});

/** BASE_SETTINGS plus a tidy window for screenshots: colour `theme`, no command center, no layout control */
export const screenshotSettings = (theme) => ({
  ...BASE_SETTINGS,
  'workbench.colorTheme': theme,
  'window.commandCenter': false,
  'workbench.layoutControl.enabled': false,
});

/** writes tmp/ud/User/settings.json and creates the (empty) extensions dir tmp/ext */
export function writeUserSettings(tmp, settings) {
  mkdirSync(join(tmp, 'ud/User'), { recursive: true });
  mkdirSync(join(tmp, 'ext'), { recursive: true });
  writeFileSync(join(tmp, 'ud/User/settings.json'), JSON.stringify(settings, null, 2));
}

/** process.env with code-server's (and onnxruntime's) data, config and caches kept inside `tmp`, out of $HOME */
export const xdgEnv = (tmp) => ({
  ...process.env,
  XDG_DATA_HOME: join(tmp, 'xdg-data'),
  XDG_CONFIG_HOME: join(tmp, 'xdg-config'),
  XDG_CACHE_HOME: join(tmp, 'xdg-cache'),
});

/** `--user-data-dir tmp/ud --extensions-dir tmp/ext`: also what `--install-extension` needs */
export const profileArgs = (tmp) => ['--user-data-dir', join(tmp, 'ud'), '--extensions-dir', join(tmp, 'ext')];

/**
 * Starts code-server on a free port in its own process group (stop it with stopRun), its output kept in `log`.
 * `folder` is opened (none: an empty window); `trust` leaves workspace trust on; `args` go before the profile
 * arguments; `env` is added to xdgEnv(tmp) (the extension host inherits it).
 * Returns the handle { proc, port, base, log, tail, open, browser, page }:
 * - tail(n, { quiet }): the last n lines of the log; `quiet` leaves out the harmless errors of the extensions gallery,
 *   which cannot be reached offline (open-vsx, ENOTFOUND);
 * - open(chromium, where, { beforeGoto }): launches chromium, opens a page (set as `browser` and `page` as soon as each
 *   exists, for stopRun and failure screenshots), runs `beforeGoto(page)` and goes to workbenchUrl(base, where).
 */
export async function startCodeServer({ cs, tmp, folder, trust = false, args = [], env = {} }) {
  const port = await freePort();
  writeFileSync(join(tmp, 'config.yaml'), `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const proc = spawn(
    process.execPath,
    [
      codeServerEntry(cs),
      '--config',
      join(tmp, 'config.yaml'),
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-getting-started-override',
      ...(trust ? [] : ['--disable-workspace-trust']),
      ...args,
      ...profileArgs(tmp),
      ...(folder ? [folder] : []),
    ],
    { env: { ...xdgEnv(tmp), ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const log = [];
  proc.stdout.on('data', (d) => log.push(String(d)));
  proc.stderr.on('data', (d) => log.push(String(d)));
  const tail = (n, { quiet = false } = {}) =>
    log
      .join('')
      .split('\n')
      .filter((l) => !quiet || !/open-vsx|ENOTFOUND/.test(l))
      .slice(-n)
      .join('\n');
  const base = `http://127.0.0.1:${port}`;
  const handle = {
    proc,
    port,
    base,
    log,
    tail,
    browser: undefined,
    page: undefined,
    async open(chromium, where, { beforeGoto } = {}) {
      handle.browser = await launchChromium(chromium);
      handle.page = await newWorkbenchPage(handle.browser);
      if (beforeGoto) await beforeGoto(handle.page);
      await handle.page.goto(workbenchUrl(base, where));
      return handle.page;
    },
  };
  return handle;
}

/** waits for code-server's /healthz (20 s) */
export async function waitForHealthz(base) {
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch {
      /* not yet */
    }
    if (i > 200) throw new Error('code-server did not answer /healthz within 20 s');
    await sleep(100);
  }
}

/** closes the server's browser, stops code-server's whole process group (TERM, then KILL after 0.5 s) and removes
 * `tmp` (with `keep`: logs `kept <tmp>` instead). `server` may be undefined (not started yet). */
export async function stopRun({ server, tmp, keep = false, log }) {
  try {
    await server?.browser?.close();
  } catch {
    /* gone */
  }
  if (server) {
    try {
      process.kill(-server.proc.pid, 'SIGTERM');
    } catch {
      /* gone */
    }
    await sleep(500);
    try {
      process.kill(-server.proc.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  if (!keep) rmSync(tmp, { recursive: true, force: true });
  else log(`kept ${tmp}`);
}

/** on each of `signals`: `cleanup()`, then exit 130. Returns a function that removes the handlers. */
export function onSignals(cleanup, signals = ['SIGINT']) {
  const handler = () => {
    cleanup().then(() => process.exit(130));
  };
  for (const s of signals) process.once(s, handler);
  return () => {
    for (const s of signals) process.removeListener(s, handler);
  };
}

/**
 * An e2e driver's run (scripts/run-e2e.mjs, test/e2e/forecast.mjs): code-server on `ws` (user settings already
 * written), chromium on the workbench with this folder's extension in development mode, then `steps(page)` within
 * `timeoutS` s. `logUp`: logs `code-server up on <base>` once it answers. On failure: `E2E FAILED: <stack>` and a
 * screenshot at `failureShotPath` and the last 30 lines of code-server's log on stderr. Cleans up (also on Ctrl+C: exit
 * 130). Returns the exit code: 0 passed, 1 failed.
 */
export async function driveWorkbench({ cs, chromium, tmp, ws, keep, log, timeoutS, failureShotPath, logUp = false, steps }) {
  const server = await startCodeServer({ cs, tmp, folder: ws });
  const cleanup = () => stopRun({ server, tmp, keep, log });
  onSignals(cleanup);
  let code = 1;
  try {
    await waitForHealthz(server.base);
    if (logUp) log(`code-server up on ${server.base}`);
    const page = await server.open(chromium, { folder: ws, devPath: ROOT });
    await withTimeout(steps(page), timeoutS, `e2e did not finish within ${timeoutS} s`);
    code = 0;
  } catch (e) {
    console.error('E2E FAILED:', e?.stack ?? e);
    await failureShot(server.page, failureShotPath);
    console.error(server.tail(30, { quiet: true }));
  } finally {
    await cleanup();
  }
  return code;
}

// ------------------------------------------------------------------ the browser and the workbench

// Playwright's own SIGINT handler would exit before onSignals' cleanup removes the temp folder: every script installs
// its own for Ctrl+C (onSignals), which closes the browser too.
export const launchChromium = (chromium) =>
  chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    handleSIGINT: false,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });

/** the browser window: 1400×900, or SEQLAB_E2E_VIEWPORT=WIDTHxHEIGHT (the theme screenshots use 1280x800 and 1920x1080) */
export function viewportSize() {
  const m = /^(\d{3,4})x(\d{3,4})$/.exec(process.env.SEQLAB_E2E_VIEWPORT ?? '');
  return m ? { width: Number(m[1]), height: Number(m[2]) } : { width: 1400, height: 900 };
}
export const newWorkbenchPage = (browser) => browser.newPage({ viewport: viewportSize() });

/**
 * The workbench URL for `folder` (none: an empty window). `devPath` loads that folder as the extension in development
 * mode and `testsPath` runs that extension-host test module, both as vscode-remote:// URIs on the browser's host:port
 * (file:// URIs hang). Without either, only the installed extensions load.
 */
export function workbenchUrl(base, { folder, devPath, testsPath } = {}) {
  const authority = new URL(base).host;
  const payload = [];
  if (devPath) payload.push(['extensionDevelopmentPath', `vscode-remote://${authority}${devPath}`]);
  if (testsPath) payload.push(['extensionTestsPath', `vscode-remote://${authority}${testsPath}`]);
  const where = folder ? `folder=${encodeURIComponent(folder)}` : 'ew=true';
  return `${base}/?${where}${payload.length ? `&payload=${encodeURIComponent(JSON.stringify(payload))}` : ''}`;
}

/** the workbench is shown and the Explorer lists `file` (60 s each) */
export async function waitForWorkbench(page, file) {
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
  await page.locator('.explorer-folders-view .monaco-list-row', { hasText: file }).first().waitFor({ state: 'visible', timeout: 60_000 });
}

const QUICK = '.quick-input-widget';
const quickInput = (page) => page.locator(`${QUICK} .quick-input-box input`);
const quickRow = (page, text) => page.locator(`${QUICK} .monaco-list-row`, { hasText: text }).first();

/**
 * Runs `title` from the command palette: Ctrl+Shift+P, the input (10 s), the row (`rowTimeoutMs`), Enter.
 * `pick`: then waits for that row of the next quick pick (15 s) and takes it (`pickWith` 'Enter' or 'click').
 * `waitHidden`: then waits for the quick input to close (10 s).
 * `attempts` > 1: a row that does not show is retried (Escape, `retryAfterMs`, again): the palette lists an
 * extension's commands only once the workbench knows the extension.
 */
export async function palette(page, title, { rowTimeoutMs = 15_000, waitHidden = true, pick, pickWith = 'Enter', attempts = 1, retryAfterMs = 2000 } = {}) {
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('Control+Shift+P');
    const input = quickInput(page);
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(`>${title}`);
    try {
      await quickRow(page, title).waitFor({ state: 'visible', timeout: rowTimeoutMs });
      break;
    } catch (e) {
      if (attempts <= 1) throw e;
      await page.keyboard.press('Escape');
      if (attempt >= attempts) throw e;
      await page.waitForTimeout(retryAfterMs);
    }
  }
  await page.keyboard.press('Enter');
  if (pick) {
    await quickRow(page, pick).waitFor({ state: 'visible', timeout: 15_000 });
    if (pickWith === 'click') await quickRow(page, pick).click();
    else await page.keyboard.press('Enter');
  }
  if (waitHidden) await page.locator(QUICK).waitFor({ state: 'hidden', timeout: 10_000 });
}

/** palette(page, title, opts) retried (Escape between tries) until it works or `timeoutMs` passes */
export function paletteWhenListed(page, title, { what, timeoutMs, everyMs, ...opts }) {
  return until(
    what,
    async () => {
      try {
        await palette(page, title, opts);
        return true;
      } catch {
        await page.keyboard.press('Escape');
        return false;
      }
    },
    timeoutMs,
    everyMs,
  );
}

/** Quick Open (Ctrl+P) `name`: the input, the row (`timeoutMs` each), Enter, the quick input closed (`waitHidden`,
 * 10 s), then the active tab showing `name` (`timeoutMs`) */
export async function openFile(page, name, { timeoutMs = 10_000, waitHidden = true } = {}) {
  await page.keyboard.press('Control+P');
  const input = quickInput(page);
  await input.waitFor({ state: 'visible', timeout: timeoutMs });
  await input.fill(name);
  await quickRow(page, name).waitFor({ state: 'visible', timeout: timeoutMs });
  await page.keyboard.press('Enter');
  if (waitHidden) await page.locator(QUICK).waitFor({ state: 'hidden', timeout: 10_000 });
  await page.locator('.tab.active', { hasText: name }).waitFor({ state: 'visible', timeout: timeoutMs });
  // The tab shows as soon as the editor input is active, but the text editor widget (and with it the `activeEditor`
  // context key that commands such as "Train Model on Current File" are offered under) comes a moment later: wait
  // until the editor in the active group has focus, which VS Code gives it only once it is the active editor.
  await page.locator('.editor-group-container.active .monaco-editor.focused').first().waitFor({ state: 'visible', timeout: timeoutMs });
}

/** "View: Close All Editors" (palette options as for palette()), then 300 ms for the editors to go */
export async function closeEditors(page, paletteOpts) {
  await palette(page, 'View: Close All Editors', paletteOpts);
  await sleep(300);
}

/** the webview content frame whose <body data-panel> is `kind` */
export function panelFrame(page, kind, timeoutMs = 30_000, everyMs = 200) {
  return until(
    `the ${kind} webview`,
    async () => {
      for (const f of page.frames()) {
        if (f.isDetached()) continue;
        const p = await f.evaluate(() => document.body?.dataset?.panel ?? null).catch(() => null);
        if (p === kind) return f;
      }
      return undefined;
    },
    timeoutMs,
    everyMs,
  );
}

/** how many pixels of the canvas `selector` in `frame` are drawn (alpha > 0) */
export const canvasInk = (frame, selector) =>
  frame.evaluate((sel) => {
    const c = document.querySelector(sel);
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
    return n;
  }, selector);

/** the distinct colours of the canvas `selector` in `frame` (every 7th pixel), its size and its data-* attributes */
export const canvasColours = (frame, selector) =>
  frame.evaluate((sel) => {
    const c = document.querySelector(sel);
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const colours = new Set();
    for (let i = 0; i < d.length; i += 4 * 7) colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
    return { colours: colours.size, width: c.width, height: c.height, data: { ...c.dataset } };
  }, selector);

/** waits `settleMs` (a toast or a menu can still be fading in), saves a screenshot at `path`, logs `screenshot <path>` */
export async function saveShot(page, path, log, settleMs = 0) {
  if (settleMs > 0) await sleep(settleMs);
  await page.screenshot({ path });
  log(`screenshot ${path}`);
}

/** after a failure: a screenshot at `path` if there is a page (never throws); on stderr `screenshot: <path>` when
 * `announce` */
export async function failureShot(page, path, { announce = true } = {}) {
  try {
    if (!page) return;
    mkdirSync(dirname(path), { recursive: true });
    await page.screenshot({ path });
    if (announce) console.error(`screenshot: ${path}`);
  } catch {
    /* ignore */
  }
}
