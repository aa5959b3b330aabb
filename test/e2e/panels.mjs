/* global document, Event, process */
// The three webview panels, driven like a user through the command palette (run by scripts/run-e2e.mjs).
// Each check: open through the palette → real content inside the webview → use one control → screenshot.
import { join } from 'node:path';
import { existsSync, readdirSync } from 'node:fs';
import {
  assert,
  canvasColours,
  canvasInk,
  closeEditors,
  openFile,
  palette,
  panelFrame,
  saveShot,
  until,
  waitForWorkbench,
} from '../../scripts/lib/vscode-harness.mjs';

const shot = (page, shots, name, log) => saveShot(page, join(shots, name), log, 500);

/** open tool tab `id` of the hidden-state panel and scroll it into view */
async function openTool(f, id) {
  await f.locator(`[data-tab="${id}"]`).click();
  await f.evaluate((i) => document.querySelector(`[data-panel="${i}"]`).scrollIntoView({ block: 'start' }), id);
}

/** choose option `value` of a vscode-single-select */
const choose = (f, sel, value) =>
  f.evaluate(
    ([s, v]) => {
      const e = document.querySelector(s);
      e.value = v;
      e.dispatchEvent(new Event('change'));
    },
    [sel, value],
  );

/**
 * The hidden-state panel's insight tools, each used once as a user would: the projector (a click selects the
 * position in the text and in the editor), saliency (a click on the text), ablation (silenced units change the
 * generated text), probes (a planted feature ranks first) and the comparison with a second model.
 */
async function insightTools(page, f, shots, log) {
  // projector: PCA of every position; click near the middle until a point is hit
  await openTool(f, 'projector');
  await f.locator('#projRun').click();
  await until('the projection', async () => Number(await f.locator('#proj').getAttribute('data-points')) > 1000, 30_000, 300);
  const box = await f.locator('#proj').boundingBox();
  let picked = null;
  for (let k = 0; k < 60 && picked === null; k++) {
    const a = k * 2.4,
      r = 4 * k;
    await f.locator('#proj').click({ position: { x: box.width / 2 + r * Math.cos(a), y: box.height / 2 + r * Math.sin(a) } });
    picked = await f.locator('#proj').getAttribute('data-picked');
  }
  assert(picked !== null, 'a click on the projection picks a point');
  await until('the picked position in the text view', async () => (await f.locator(`#cellText span.picked[data-i="${picked}"]`).count()) === 1, 5_000);
  await until('the nearest states', async () => Number(await f.locator('#projNear').getAttribute('data-count')) > 0, 10_000);
  // …and in the editor: story.txt opens beside the panel with that character selected
  await until('the selection in the editor', async () => (await page.locator('.monaco-editor .selected-text').count()) > 0, 10_000, 300);
  log(`projector: ${await f.locator('#projInfo').innerText()}; picked position ${picked}, selected in the editor`);
  // a lasso dragged around the middle of the cloud lists the states nearest to its points' mean
  await f.evaluate(() => document.querySelector('#projNear').setAttribute('data-count', '0'));
  const b2 = await f.locator('#proj').boundingBox();
  const [cx, cy, rad] = [b2.x + b2.width / 2, b2.y + b2.height / 2, Math.min(b2.width, b2.height) / 5];
  await page.mouse.move(cx + rad, cy);
  await page.mouse.down();
  for (let k = 1; k <= 24; k++) await page.mouse.move(cx + rad * Math.cos((k * Math.PI) / 12), cy + rad * Math.sin((k * Math.PI) / 12));
  await page.mouse.up();
  await until('the nearest states of the lasso', async () => Number(await f.locator('#projNear').getAttribute('data-count')) > 0, 10_000);
  assert(/\d+ positions/.test(await f.locator('#status').innerText()), 'the lasso selected several positions');
  log(`projector: a lasso → ${await f.locator('#status').innerText()}`);
  await f.evaluate(() => document.querySelector('#proj').scrollIntoView({ block: 'center' }));
  await shot(page, shots, 'hidden-projector.png', log);

  // saliency: click a character of the text view
  await openTool(f, 'saliency');
  await f.locator('#cellText span[data-i="300"]').click();
  await until('the saliency of position 300', async () => (await f.locator('#salOut').getAttribute('data-position')) === '300', 20_000, 300);
  log(`saliency: ${(await f.locator('#salOut').innerText()).split('\n')[0]}`);
  await f.evaluate(() => document.querySelector('#cellText span[data-i="300"]').scrollIntoView({ block: 'center' }));
  await shot(page, shots, 'hidden-saliency.png', log);

  // ablation: silence half of the units; the generated text must change
  await openTool(f, 'ablation');
  await f.locator('#ablUnits').fill('0-23');
  await f.locator('#ablRun').click();
  await until('the ablation result', async () => (await f.locator('#ablAfter').count()) === 1, 60_000, 300);
  const [before, after] = [await f.locator('#ablBefore').innerText(), await f.locator('#ablAfter').innerText()];
  assert(before.length > 50 && after.length > 50 && before !== after, 'silencing units changes the generated text');
  log(`ablation: ${await f.locator('#ablSummary').innerText()}`);
  await shot(page, shots, 'hidden-ablation.png', log);

  // probes: the planted feature (the character is a line break) must rank above the column in the line and the
  // bracket depth (constant in this text)
  await openTool(f, 'probes');
  const addProbe = async (name, kind, pattern) => {
    const n = Number((await f.locator('#probeTable').getAttribute('data-count')) ?? 0);
    await f.locator('#probeName').fill(name);
    await choose(f, '#probeKind', kind);
    if (pattern) await f.locator('#probePattern').fill(pattern);
    await f.locator('#probeAdd').click();
    await until(`probe ${name}`, async () => Number(await f.locator('#probeTable').getAttribute('data-count')) === n + 1, 30_000, 300);
  };
  await addProbe('bracket depth', 'depth', '');
  await addProbe('column', 'column', '');
  await addProbe('line break', 'regex', '\\n');
  const first = await f.locator('#probeTable tr[data-probe]').first().getAttribute('data-probe');
  assert(first === 'line break', `the planted feature ranks first (got ${first})`);
  log(`probes: ${(await f.locator('#probeTable').innerText()).replace(/\s+/g, ' ').slice(0, 200)}`);
  await shot(page, shots, 'hidden-probes.png', log);

  // compare with the second model (the GRU of the dashboard run)
  await openTool(f, 'compare');
  await until('a second model to compare with', async () => (await f.locator('#cmpModel vscode-option').count()) > 0, 10_000);
  await f.locator('#cmpRun').click();
  await until('the comparison', async () => (await f.locator('#cmpSummary').count()) === 1, 60_000, 300);
  assert(!(await f.locator('#cmpMapBox').evaluate((e) => e.hidden)), 'the second heatmap is shown');
  const second = await canvasColours(f, '#heatmapB');
  assert(second.colours > 20, `the second heatmap has many colours (${second.colours})`);
  log(`compare: ${await f.locator('#cmpSummary').innerText()}`);
  await f.evaluate(() => document.querySelector('#cmpMapBox').scrollIntoView({ block: 'start' }));
  await shot(page, shots, 'hidden-compare.png', log);
}

export async function runPanels({ page, ws, shots, log }) {
  // the webviews' strict CSP (default-src 'none', script nonce) must not block anything they use
  const cspViolations = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  await waitForWorkbench(page, 'story.txt');
  log('workbench ready');
  // keep progress toasts out of the screenshots
  await palette(page, 'Notifications: Toggle Do Not Disturb Mode');

  // ---------------------------------------------------------------- 1. dashboard: a live run, its curve
  await openFile(page, 'live.seqlab.json');
  // the editor-title ▷ of a *.seqlab.json recipe (the palette offers the same command when the editor has focus)
  const play = page.locator('.editor-actions .action-label[aria-label*="Run Training Recipe"]').first();
  await play.waitFor({ state: 'visible', timeout: 30_000 });
  await play.click();
  await until('the live run to write its folder', () => existsSync(join(ws, '.seqlab/models/poem-live')), 30_000);
  // the status-bar item of a running job opens the dashboard…
  const item = page.locator('.statusbar-item', { hasText: 'bits/char' }).first();
  await item.waitFor({ state: 'visible', timeout: 30_000 });
  await item.click();
  await panelFrame(page, 'dashboard');
  log('dashboard opened from the status-bar item');
  await closeEditors(page);
  // …and so does the command
  await palette(page, 'Sequence Lab: Open Training Dashboard');
  let f = await panelFrame(page, 'dashboard');
  log('dashboard open');
  const minPoints = Number(process.env.SEQLAB_E2E_MIN_POINTS ?? 4); // more for README pictures
  await until('loss curve points', async () => Number(await f.locator('#chart').getAttribute('data-points')) >= minPoints, 90_000, 500);
  await f.locator('#chart canvas').first().waitFor({ state: 'visible' });
  const curvePixels = await canvasInk(f, '#chart canvas');
  assert(curvePixels > 200, `the chart has drawn pixels (${curvePixels})`);
  // one control: the log-scale toggle (uPlot rebuilds with a log y axis)
  await f.locator('#log').focus();
  await page.keyboard.press('Space');
  await until('log scale on', () => f.evaluate(() => document.querySelector('#log').checked === true), 5_000);
  await until('the y axis rebuilt as log', () => f.evaluate(() => document.querySelector('#chart canvas') !== null), 5_000);
  await until('a sample at an evaluation', async () => (await f.locator('.sample').count()) > 0, 60_000, 500);
  const stats = await f.locator('#stats').innerText();
  assert(/Chars\/s|字符/.test(stats), `statistics shown: ${stats}`);
  log(`dashboard: ${await f.locator('#chart').getAttribute('data-points')} points; stats ${stats.replace(/\s+/g, ' ').slice(0, 120)}`);
  await shot(page, shots, 'dashboard.png', log);
  await until('two samples', async () => (await f.locator('.sample').count()) >= 2, 60_000, 500);
  await f.evaluate(() => document.querySelector('#samples').scrollIntoView({ block: 'end' }));
  await shot(page, shots, 'dashboard-samples.png', log);
  // Stop: the run ends after its current step and keeps its best checkpoint
  // (scroll back up first: the samples scroll above put the toolbar row under the page's sticky header)
  await f.evaluate(() => {
    document.scrollingElement?.scrollTo(0, 0);
    document.querySelector('#stop')?.scrollIntoView({ block: 'center' });
  });
  let clicked = false;
  if (await f.evaluate(() => !document.querySelector('#stop').disabled)) {
    // by keyboard (the panel is keyboard operable): focus Stop and press Enter
    try {
      await f.locator('#stop').focus({ timeout: 10_000 });
      await page.keyboard.press('Enter');
      clicked = true;
    } catch (e) {
      // a fast run can end between the check and the click: then Stop is disabled, which is also right
      if (!(await f.evaluate(() => document.querySelector('#stop').disabled))) throw e;
    }
  }
  if (clicked) {
    await until('the run to stop', async () => /finished|stopping|cancelled/.test(await f.locator('#stats').innerText()), 30_000, 300);
    log(`dashboard: after Stop → ${await f.locator('#stats td[data-stat]').first().innerText()}`);
  } else log('dashboard: the run had already ended; Stop is disabled');
  // the status-bar item opens the same dashboard (its command)
  await closeEditors(page);

  // ---------------------------------------------------------------- 2. generate: characters stream in
  await openFile(page, 'story.txt');
  await palette(page, 'Sequence Lab: Generate Text…');
  f = await panelFrame(page, 'generate');
  log('generate panel open');
  await palette(page, 'View: Toggle Maximize Editor Group');
  f = await panelFrame(page, 'generate');
  await until(
    'the model picker to list demo-lstm',
    async () =>
      (
        await f
          .locator('#model')
          .innerText()
          .catch(() => '')
      ).length > 0 || (await f.locator('vscode-option').count()) > 0,
    20_000,
  );
  await f.locator('#prime vscode-textarea, #prime').first().click();
  await f.evaluate(() => {
    const p = document.querySelector('#prime');
    p.value = 'ROMEO:\n';
  });
  await f.locator('#length').fill('400');
  // one control: Generate
  await f.locator('#run').click();
  await until('generated characters', async () => Number(await f.locator('#output').getAttribute('data-chars')) >= 400, 60_000, 300);
  const out = await f.locator('#output').innerText();
  assert(out.replace(/\s/g, '').length > 100, 'the output has visible characters');
  // hover a character: the top-5 strip appears
  await f.locator('#output span').nth(20).hover();
  await until('top-5 candidates', async () => (await f.locator('#candidates .cand').count()) >= 3, 5_000);
  log(`generate: ${JSON.stringify(out.slice(0, 80))}…`);
  await shot(page, shots, 'generate.png', log);
  await closeEditors(page);

  // ---------------------------------------------------------------- 3. hidden states: a heatmap with pixels
  await openFile(page, 'story.txt');
  await palette(page, 'Sequence Lab: Show Hidden States');
  f = await panelFrame(page, 'hidden');
  log('hidden-state panel open');
  await palette(page, 'View: Toggle Maximize Editor Group');
  f = await panelFrame(page, 'hidden');
  await f.locator('#run').waitFor({ state: 'visible' });
  await until('a model in the picker', async () => (await f.locator('#model vscode-option').count()) > 0, 20_000);
  // pick the trained LSTM (the live GRU run may be listed too)
  await f.evaluate(() => {
    const sel = document.querySelector('#model');
    const opt = [...sel.querySelectorAll('vscode-option')].find((o) => /demo-lstm/.test(o.textContent));
    if (opt) {
      sel.value = opt.getAttribute('value');
      sel.dispatchEvent(new Event('change'));
    }
  });
  await f.locator('#run').click();
  await until('the heatmap to render', async () => (await f.locator('#heatmap').getAttribute('data-render-ms')) !== null, 90_000, 300);
  const px = await canvasColours(f, '#heatmap');
  assert(px.colours > 20, `the heatmap has many colours (${px.colours})`);
  log(`hidden: heatmap ${px.width}×${px.height}, ${px.colours} colours, rendered in ${px.data.renderMs} ms, view ${px.data.view}`);
  // one control: click a unit row → the cell view colours the text by that unit
  const box = await f.locator('#heatmap').boundingBox();
  await f.locator('#heatmap').click({ position: { x: box.width * 0.3, y: box.height * 0.42 } });
  await until('the cell view for the clicked unit', async () => (await f.locator('#cellText span').count()) > 100, 10_000);
  const unit = await f.locator('#cellText').getAttribute('data-unit');
  log(`hidden: cell view shows unit ${unit}`);
  await until('gate saturation plot', async () => (await f.locator('#sat').getAttribute('data-drawn')) === 'true', 30_000);
  await f.locator('#heatmap').hover({ position: { x: box.width * 0.5, y: box.height * 0.5 } });
  await shot(page, shots, 'hidden-states.png', log);
  // zoom out and scroll the page down for the analysis sections
  // find cells: select a span of the cell view's text (a speaker's name line), then Find cells
  await f.evaluate(() => {
    const spans = [...document.querySelectorAll('#cellText span')];
    const text = spans.map((s) => s.textContent).join('');
    const at = text.indexOf('Citizen:');
    const r = document.createRange();
    r.setStart(spans[at].firstChild, 0);
    r.setEnd(spans[at + 7].firstChild, 1);
    const sel = document.getSelection();
    sel.removeAllRanges();
    sel.addRange(r);
  });
  await f.locator('#threshold').fill('0.3');
  await f.locator('#find').click();
  await until('find-cells results', async () => /unit/.test(await f.locator('#findOut').innerText()), 10_000);
  log(`hidden: find cells → ${(await f.locator('#findOut').innerText()).split('\n').slice(0, 3).join(' | ')}`);
  await f.locator('#zoomAll').click();
  await f.evaluate(() => document.querySelector('#cellText').scrollIntoView({ block: 'start' }));
  await shot(page, shots, 'hidden-states-analysis.png', log);
  // export PNG: the save dialog (a quick input in the web workbench) offers story-relative default; accept it
  await f.locator('#png').click();
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await page.keyboard.press('Enter');
  await until('the exported PNG', () => readdirSync(ws).some((n) => n.endsWith('.png')), 15_000);
  await f.locator('#csv').click();
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await page.keyboard.press('Enter');
  await until('the exported CSV', () => readdirSync(ws).some((n) => n.startsWith('hidden-') && n.endsWith('.csv')), 30_000);
  log(
    `hidden: exported ${readdirSync(ws)
      .filter((n) => n.startsWith('hidden-'))
      .join(', ')}`,
  );
  await insightTools(page, f, shots, log);
  assert(cspViolations.length === 0, `no CSP violations in the webviews, got: ${cspViolations.slice(0, 3).join(' | ')}`);
  // …and the check itself works: a remote image inside the webview is refused and reported
  await f.evaluate(() => {
    const i = document.createElement('img');
    i.src = 'https://example.invalid/probe.png';
    document.body.append(i);
  });
  await until('the CSP probe to be refused', () => cspViolations.some((v) => v.includes('example.invalid')), 5_000);
  log(`no CSP violations from the panels (a remote-image probe was refused as expected: ${cspViolations.length} report)`);

  // ---------------------------------------------------------------- 4. reload: the serializer restores the panel and its state
  await f.locator('#unit').fill('7');
  await f.locator('#unit').press('Enter');
  await until('unit 7 in the cell view', async () => (await f.locator('#cellText').getAttribute('data-unit')) === '7', 5_000);
  await palette(page, 'Developer: Reload Window');
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
  f = await panelFrame(page, 'hidden', 60_000);
  await until('the restored heatmap', async () => (await f.locator('#heatmap').getAttribute('data-render-ms')) !== null, 90_000, 300);
  const restoredUnit = await f.locator('#cellText').getAttribute('data-unit');
  assert(restoredUnit === '7', `the restored panel shows the unit chosen before the reload (got ${restoredUnit})`);
  log('reload: the hidden-state panel came back with its text, model and unit');
  await shot(page, shots, 'hidden-states-restored.png', log);
  // the finished run's curve is kept in the workspace state: the dashboard still overlays it after the reload
  await closeEditors(page);
  await palette(page, 'Sequence Lab: Open Training Dashboard');
  f = await panelFrame(page, 'dashboard');
  await until(
    'the earlier run in the dashboard',
    async () => /poem-live/.test(await f.locator('#legend').innerText()) && Number(await f.locator('#chart').getAttribute('data-points')) > 0,
    20_000,
    300,
  );
  log(`reload: the dashboard still shows the earlier run (${await f.locator('#chart').getAttribute('data-points')} points)`);
}
