/**
 * Heatmap pixel math (pure, no DOM): values (T,H) → RGBA image of H rows (units) × T columns (time), drawn
 * once per layer/signal at full resolution into tiles; zoom and scroll then only crop and scale tiles
 * (drawImage), so they cost nothing per value. Also the hover lookup and view (zoom/scroll) arithmetic.
 */
import { LUT_SIZE } from './colors';

/** widest tile in columns (canvas limits are 32767 per side in Chromium; keep far below) */
export const TILE_COLS = 8192;

/**
 * Fill `out` (RGBA, `cols`×H pixels, row-major) with columns [t0, t0+cols) of data (T,H), unit u on row u.
 * Returns out. Hot loop: one LUT lookup per value.
 */
export function fillTile(
  data: Float32Array,
  T: number,
  H: number,
  t0: number,
  cols: number,
  lut: Uint8ClampedArray,
  lo: number,
  hi: number,
  out: Uint8ClampedArray,
): Uint8ClampedArray {
  const lut32 = new Uint32Array(lut.buffer, lut.byteOffset, LUT_SIZE);
  const out32 = new Uint32Array(out.buffer, out.byteOffset, cols * H);
  const scale = hi > lo ? (LUT_SIZE - 1) / (hi - lo) : 0;
  const mid = LUT_SIZE >> 1;
  const tEnd = Math.min(T, t0 + cols);
  for (let t = t0; t < tEnd; t++) {
    const col = t - t0;
    let src = t * H;
    for (let u = 0; u < H; u++, src++) {
      let k = scale === 0 ? mid : ((data[src] - lo) * scale + 0.5) | 0;
      if (k < 0) k = 0;
      else if (k > LUT_SIZE - 1) k = LUT_SIZE - 1;
      else if (k !== k) k = mid; // NaN
      out32[u * cols + col] = lut32[k];
    }
  }
  return out;
}

/** the tiles covering T columns: [t0, cols] pairs */
export function tiles(T: number, maxCols = TILE_COLS): [number, number][] {
  const r: [number, number][] = [];
  for (let t0 = 0; t0 < T; t0 += maxCols) r.push([t0, Math.min(maxCols, T - t0)]);
  return r;
}

/** A visible window: time [t0, t0+tSpan), units [u0, u0+uSpan). */
export interface View {
  t0: number;
  tSpan: number;
  u0: number;
  uSpan: number;
}

export function clampView(v: View, T: number, H: number): View {
  const tSpan = Math.max(Math.min(T, 8), Math.min(T, Math.round(v.tSpan)));
  const uSpan = Math.max(Math.min(H, 4), Math.min(H, Math.round(v.uSpan)));
  const t0 = Math.max(0, Math.min(T - tSpan, Math.round(v.t0)));
  const u0 = Math.max(0, Math.min(H - uSpan, Math.round(v.u0)));
  return { t0, tSpan, u0, uSpan };
}

/** zoom time by `factor` (< 1 zooms in) keeping the column under `anchor` (0..1 across the view) in place */
export function zoomTime(v: View, factor: number, anchor: number, T: number, H: number): View {
  const tSpan = v.tSpan * factor;
  const at = v.t0 + anchor * v.tSpan;
  return clampView({ ...v, tSpan, t0: at - anchor * tSpan }, T, H);
}

export function scrollTime(v: View, steps: number, T: number, H: number): View {
  return clampView({ ...v, t0: v.t0 + steps }, T, H);
}
export function scrollUnits(v: View, units: number, T: number, H: number): View {
  return clampView({ ...v, u0: v.u0 + units }, T, H);
}

/** (time, unit) under pixel (x, y) of a w×h view, or undefined outside */
export function cellAt(v: View, x: number, y: number, w: number, h: number): { t: number; u: number } | undefined {
  if (x < 0 || y < 0 || x >= w || y >= h) return undefined;
  return { t: v.t0 + Math.floor((x / w) * v.tSpan), u: v.u0 + Math.floor((y / h) * v.uSpan) };
}

/** how to show a character under the time axis (whitespace made visible) */
export function visibleChar(c: string): string {
  if (c === '\n') return '↵';
  if (c === '\t') return '⇥';
  if (c === ' ') return '·';
  if (c === '\r') return '␍';
  return c;
}

/** The keyboard cursor on the heatmap: a time step and a unit. */
export interface Cursor {
  t: number;
  u: number;
}

/**
 * One key on the focused heatmap: arrows move the cursor (scrolling the view to keep it visible), PageUp/PageDown
 * scroll a screen, + and − zoom, Enter and Space select the cursor's unit. Undefined for any other key.
 */
export function keyNav(v: View, at: Cursor, key: string, T: number, H: number): { view: View; at: Cursor; select: boolean } | undefined {
  const c = { ...at };
  let view = v;
  switch (key) {
    case 'ArrowRight':
      c.t = Math.min(T - 1, c.t + 1);
      if (c.t >= view.t0 + view.tSpan) view = scrollTime(view, 1, T, H);
      break;
    case 'ArrowLeft':
      c.t = Math.max(0, c.t - 1);
      if (c.t < view.t0) view = scrollTime(view, -1, T, H);
      break;
    case 'ArrowDown':
      c.u = Math.min(H - 1, c.u + 1);
      if (c.u >= view.u0 + view.uSpan) view = scrollUnits(view, 1, T, H);
      break;
    case 'ArrowUp':
      c.u = Math.max(0, c.u - 1);
      if (c.u < view.u0) view = scrollUnits(view, -1, T, H);
      break;
    case 'PageDown':
    case 'PageUp':
      view = scrollTime(view, key === 'PageDown' ? view.tSpan : -view.tSpan, T, H);
      c.t = view.t0;
      break;
    case '+':
    case '=':
    case '-':
    case '_':
      view = zoomTime(view, key === '+' || key === '=' ? 0.5 : 2, 0.5, T, H);
      break;
    case 'Enter':
    case ' ':
      return { view, at: c, select: true };
    default:
      return undefined;
  }
  return { view, at: c, select: false };
}

/** A round step (1, 2, 5 × 10^k) of at least `min`. */
function niceStep(min: number): number {
  const p = 10 ** Math.floor(Math.log10(Math.max(1, min)));
  for (const m of [1, 2, 5, 10]) if (m * p >= min) return m * p;
  return 10 * p;
}

/** Unit numbers to label on the unit axis of a view drawn `heightPx` tall: multiples of a round step, ≥ gapPx apart. */
export function unitTicks(v: View, heightPx: number, gapPx = 14): { u: number; y: number }[] {
  const rowPx = heightPx / v.uSpan;
  const step = niceStep(gapPx / rowPx);
  const out: { u: number; y: number }[] = [];
  for (let u = Math.ceil(v.u0 / step) * step; u < v.u0 + v.uSpan; u += step) out.push({ u, y: (u - v.u0 + 0.5) * rowPx });
  return out;
}

/** Positions to label on the time axis of a view drawn `widthPx` wide: multiples of a round step, ≥ gapPx apart. */
export function timeTicks(v: View, widthPx: number, gapPx = 60): { t: number; x: number }[] {
  const stepPx = widthPx / v.tSpan;
  const step = niceStep(gapPx / stepPx);
  const out: { t: number; x: number }[] = [];
  for (let t = Math.ceil(v.t0 / step) * step; t < v.t0 + v.tSpan; t += step) out.push({ t, x: (t - v.t0 + 0.5) * stepPx });
  return out;
}
