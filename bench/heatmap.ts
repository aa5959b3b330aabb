/**
 * Heatmap render benchmark (the budget: 10,000 steps × 512 units must render in < 0.5 s on this machine).
 *
 * Measures the hidden-state panel's render path, the same code the webview runs (src/webview/shared):
 *   1. colour scale for the signal (scaleFor: a percentile for c), LUT build;
 *   2. fillTile over every tile (values → RGBA pixels through the LUT), i.e. the full-resolution image;
 *   3. the first view's draw is a crop+scale of those tiles (drawImage) done by the browser, not measured here
 *      (see the e2e run, which reports the in-webview figure from data-render-ms).
 * Anchor: a plain copy of the same number of bytes (Uint8Array.set) in the same run, so the ratio says how far
 * the render is from the memory bandwidth floor.
 *
 * Usage: npm run bench:heatmap  (or node dist/bench/heatmap.js [T] [H] [repeats])
 */
import { buildLut, scaleFor } from '../src/webview/shared/colors';
import { fillTile, tiles } from '../src/webview/shared/heatmap';

const T = Number(process.argv[2] ?? 10_000);
const H = Number(process.argv[3] ?? 512);
const reps = Number(process.argv[4] ?? 7);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

// activations like a trained LSTM's c: mostly small, some large, smooth in time
const data = new Float32Array(T * H);
let seed = 12345;
const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
for (let u = 0; u < H; u++) {
  let v = 0;
  const gain = 0.5 + 3 * rnd();
  for (let t = 0; t < T; t++) {
    v = 0.9 * v + 0.1 * (rnd() * 2 - 1) * gain;
    data[t * H + u] = v;
  }
}

function renderAll(signal: string): number {
  const t0 = performance.now();
  const sc = scaleFor(signal, data);
  const lut = buildLut(sc.kind, [30, 30, 30]);
  for (const [s, cols] of tiles(T)) {
    const out = new Uint8ClampedArray(cols * H * 4);
    fillTile(data, T, H, s, cols, lut, sc.lo, sc.hi, out);
  }
  return performance.now() - t0;
}

function anchor(): number {
  const src = new Uint8Array(T * H * 4).fill(7);
  const t0 = performance.now();
  const dst = new Uint8Array(T * H * 4);
  dst.set(src);
  return performance.now() - t0;
}

renderAll('h');
renderAll('c'); // warm up the JIT
const h: number[] = [],
  c: number[] = [],
  a: number[] = [];
for (let i = 0; i < reps; i++) {
  h.push(renderAll('h'));
  c.push(renderAll('c'));
  a.push(anchor());
}
const mh = median(h),
  mc = median(c),
  ma = median(a);
console.log(
  `heatmap render, ${T} steps × ${H} units (${((T * H) / 1e6).toFixed(2)} M values, ${tiles(T).length} tile(s)), median of ${reps}, node ${process.version}`,
);
console.log(`  signal h (fixed scale)      ${mh.toFixed(1)} ms`);
console.log(`  signal c (percentile scale) ${mc.toFixed(1)} ms`);
console.log(`  anchor: copy ${((T * H * 4) / 1e6).toFixed(1)} MB  ${ma.toFixed(1)} ms  (render / copy = ${(mc / ma).toFixed(1)}×)`);
console.log(`  budget 500 ms: ${mc < 500 ? 'OK' : 'OVER'} (${((mc / 500) * 100).toFixed(0)}% used)`);
