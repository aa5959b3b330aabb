#!/usr/bin/env node
// Heatmap render benchmark in Debian's headless Chromium (playwright-core): the hidden-state panel's whole first paint
// for 10,000 steps × 512 units — colour scale, LUT, fillTile into ImageData, putImageData into tile canvases, then
// drawImage of the full view into a 1200×480 canvas, flushed by a getImageData read. The same modules as the webview
// (src/webview/shared), bundled here with esbuild. Prints the median of 5 runs after a warm-up.
// Usage: node bench/heatmap-browser.mjs [T] [H]     Env: CHROMIUM (default /usr/bin/chromium)
import * as esbuild from 'esbuild';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const T = Number(process.argv[2] ?? 10_000),
  H = Number(process.argv[3] ?? 512);
const exe = process.env.CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(exe)) {
  console.log(`heatmap (browser): skipped, no Chromium at ${exe}`);
  process.exit(0);
}

const entry = `
import { buildLut, scaleFor } from './src/webview/shared/colors';
import { fillTile, tiles } from './src/webview/shared/heatmap';
window.bench = (T, H, signal) => {
  const data = new Float32Array(T * H);
  let seed = 12345; const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  for (let u = 0; u < H; u++) { let v = 0; const g = 0.5 + 3 * rnd(); for (let t = 0; t < T; t++) { v = 0.9 * v + 0.1 * (rnd() * 2 - 1) * g; data[t * H + u] = v; } }
  const view = document.getElementById('view');
  const t0 = performance.now();
  const sc = scaleFor(signal, data);
  const lut = buildLut(sc.kind, [30, 30, 30]);
  const canv = tiles(T).map(([s, cols]) => {
    const c = document.createElement('canvas'); c.width = cols; c.height = H;
    const ctx = c.getContext('2d'); const img = ctx.createImageData(cols, H);
    fillTile(data, T, H, s, cols, lut, sc.lo, sc.hi, img.data); ctx.putImageData(img, 0, 0);
    return { s, cols, c };
  });
  const t1 = performance.now();
  const vctx = view.getContext('2d'); vctx.imageSmoothingEnabled = false;
  const px = view.width / T;
  for (const k of canv) vctx.drawImage(k.c, 0, 0, k.cols, H, k.s * px, 0, k.cols * px, view.height);
  vctx.getImageData(0, 0, 1, 1); // flush
  const t2 = performance.now();
  return { fill: t1 - t0, draw: t2 - t1, total: t2 - t0 };
};`;
const out = await esbuild.build({
  stdin: { contents: entry, resolveDir: ROOT, loader: 'ts' },
  bundle: true,
  format: 'iife',
  platform: 'browser',
  write: false,
  target: 'chrome114',
});
const browser = await chromium.launch({ executablePath: exe, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage();
  await page.setContent('<canvas id="view" width="1200" height="480"></canvas>');
  await page.addScriptTag({ content: out.outputFiles[0].text });
  const version = browser.version();
  for (const signal of ['h', 'c']) {
    await page.evaluate(([t, h, s]) => window.bench(t, h, s), [T, H, signal]); // warm-up
    const runs = [];
    for (let i = 0; i < 5; i++) runs.push(await page.evaluate(([t, h, s]) => window.bench(t, h, s), [T, H, signal]));
    runs.sort((a, b) => a.total - b.total);
    const m = runs[2];
    console.log(
      `heatmap in Chromium ${version} (headless, no GPU), ${T} × ${H}, signal ${signal}: ` +
        `${m.total.toFixed(1)} ms (scale + pixels + tiles ${m.fill.toFixed(1)} ms, draw ${m.draw.toFixed(1)} ms), median of 5 — ${m.total < 500 ? 'within' : 'OVER'} the 500 ms budget`,
    );
  }
} finally {
  await browser.close();
}
