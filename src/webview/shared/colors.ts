/**
 * Colour scales for heatmaps and text shading. Pure (no DOM): unit-tested in Node and used by the benchmark.
 *
 * - diverging: blue (lo) → neutral (mid) → red (hi), for h, c and other signed signals;
 * - sequential: neutral (lo) → orange (hi), for gates in [0, 1].
 * The neutral end comes from the theme (its editor background), so both light and dark themes read well.
 */
export type Rgb = [number, number, number];
export type ScaleKind = 'diverging' | 'sequential';

export const LUT_SIZE = 256;

/** parse '#rgb', '#rrggbb', '#rrggbbaa' or 'rgb(a)(r, g, b…)'; undefined when not understood */
export function parseColor(s: string): Rgb | undefined {
  const t = s.trim();
  let m = /^#([0-9a-f]{3})$/i.exec(t);
  if (m) return [0, 1, 2].map((i) => parseInt(m![1][i] + m![1][i], 16)) as Rgb;
  m = /^#([0-9a-f]{6})([0-9a-f]{2})?$/i.exec(t);
  if (m) return [0, 2, 4].map((i) => parseInt(m![1].slice(i, i + 2), 16)) as Rgb;
  m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/i.exec(t);
  if (m) return [Number(m[1]), Number(m[2]), Number(m[3])].map((v) => Math.round(Math.min(255, v))) as Rgb;
  return undefined;
}

/** relative luminance-ish brightness in [0, 1] */
export function brightness([r, g, b]: Rgb): number {
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
}

const mix = (a: Rgb, b: Rgb, t: number): Rgb => [0, 1, 2].map((i) => Math.round(a[i] + (b[i] - a[i]) * t)) as Rgb;

/**
 * A 256-entry RGBA lookup table (Uint8ClampedArray of 1024). `neutral` is the theme background; the ends are
 * saturated colours whose lightness suits it (darker ends on light backgrounds).
 */
export function buildLut(kind: ScaleKind, neutral: Rgb = [255, 255, 255]): Uint8ClampedArray {
  const dark = brightness(neutral) < 0.5;
  const lo: Rgb = dark ? [70, 140, 255] : [20, 80, 200];
  const hi: Rgb = dark ? [255, 90, 70] : [200, 30, 20];
  const seqHi: Rgb = dark ? [255, 190, 60] : [200, 90, 0];
  const lut = new Uint8ClampedArray(LUT_SIZE * 4);
  for (let i = 0; i < LUT_SIZE; i++) {
    const x = i / (LUT_SIZE - 1);
    let c: Rgb;
    if (kind === 'diverging') c = x < 0.5 ? mix(lo, neutral, x * 2) : mix(neutral, hi, (x - 0.5) * 2);
    else c = mix(neutral, seqHi, x);
    lut[i * 4] = c[0];
    lut[i * 4 + 1] = c[1];
    lut[i * 4 + 2] = c[2];
    lut[i * 4 + 3] = 255;
  }
  return lut;
}

/** LUT index of value v on the scale [lo, hi] (clamped) */
export function lutIndex(v: number, lo: number, hi: number): number {
  if (!(hi > lo)) return LUT_SIZE >> 1;
  const x = (v - lo) / (hi - lo);
  return x <= 0 ? 0 : x >= 1 ? LUT_SIZE - 1 : Math.round(x * (LUT_SIZE - 1));
}

/** The scale for a signal: gates are [0,1] sequential; h in [-1,1]; c symmetric around 0 at its 99th |value| percentile. */
export function scaleFor(signal: string, data: Float32Array): { kind: ScaleKind; lo: number; hi: number } {
  if (signal === 'i' || signal === 'f' || signal === 'o' || signal === 'z' || signal === 'r') return { kind: 'sequential', lo: 0, hi: 1 };
  if (signal === 'h') return { kind: 'diverging', lo: -1, hi: 1 };
  const m = absPercentile(data, 0.99) || 1;
  return { kind: 'diverging', lo: -m, hi: m };
}

/** the p-quantile of |x| (sampled for big arrays) */
export function absPercentile(data: Float32Array, p: number): number {
  const n = data.length;
  if (n === 0) return 0;
  const stride = Math.max(1, Math.floor(n / 20_000));
  const s = new Float32Array(Math.ceil(n / stride));
  for (let i = 0, k = 0; i < n; i += stride, k++) s[k] = Math.abs(data[i]);
  s.sort(); // typed-array sort: numeric
  return s[Math.min(s.length - 1, Math.floor(p * (s.length - 1)))];
}

/** Text shading by probability: red (unlikely) → green (likely), alpha chosen for readability on light/dark. */
export function probColor(p: number, dark: boolean): string {
  const q = Math.max(0, Math.min(1, p));
  const hue = Math.round(q * 120);
  return `hsla(${hue}, ${dark ? 70 : 80}%, ${dark ? 40 : 50}%, ${dark ? 0.55 : 0.35})`;
}

/** CSS colour of an activation for the cell view (same scale as the heatmap) */
export function lutCss(lut: Uint8ClampedArray, idx: number, alpha = 1): string {
  return `rgba(${lut[idx * 4]}, ${lut[idx * 4 + 1]}, ${lut[idx * 4 + 2]}, ${alpha})`;
}
