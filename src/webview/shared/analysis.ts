/**
 * Hidden-state analysis and chart helpers (pure, no DOM; unit-tested in Node):
 * - loss smoothing (EMA, TensorBoard-style debiased);
 * - simple text features and the ranking of units by their correlation with them;
 * - "find cells" (LSTMVis): units on inside a span and off around it, and where they switch on together elsewhere;
 * - gate saturation (fraction of time < 0.1 and > 0.9 per unit, as in Karpathy et al. 2015);
 * - CSV export.
 * Signals are (T,H) Float32Arrays, time-major, unit fastest.
 */

/** Exponential moving average with bias correction; weight 0 = raw. NaN/undefined points are skipped (kept as null). */
export function smooth(values: (number | null | undefined)[], weight: number): (number | null)[] {
  const w = Math.max(0, Math.min(0.999, weight));
  let acc = 0,
    n = 0;
  return values.map((v) => {
    if (v === null || v === undefined || !Number.isFinite(v)) return null;
    acc = acc * w + (1 - w) * v;
    n++;
    return acc / (1 - Math.pow(w, n));
  });
}

// ------------------------------------------------------------------ text features

export const FEATURES = ['inQuotes', 'inBrackets', 'positionInLine', 'indentation', 'afterWhitespace'] as const;
export type FeatureName = (typeof FEATURES)[number];

/** One value per character for each feature. Quotes: " toggles; brackets: depth of ( [ { > 0. */
export function textFeatures(chars: string[]): Record<FeatureName, Float32Array> {
  const T = chars.length;
  const f = Object.fromEntries(FEATURES.map((k) => [k, new Float32Array(T)])) as Record<FeatureName, Float32Array>;
  let inQ = false,
    depth = 0,
    col = 0,
    indent = 0,
    leading = true;
  for (let t = 0; t < T; t++) {
    const c = chars[t];
    const prev = t > 0 ? chars[t - 1] : '\n';
    if (prev === '\n') {
      col = 0;
      indent = 0;
      leading = true;
    }
    if (leading && (c === ' ' || c === '\t')) indent++;
    else if (c !== '\n') leading = false;
    if (c === '"') inQ = !inQ;
    if (c === '(' || c === '[' || c === '{') depth++;
    f.inQuotes[t] = inQ || c === '"' ? 1 : 0;
    f.inBrackets[t] = depth > 0 ? 1 : 0;
    if ((c === ')' || c === ']' || c === '}') && depth > 0) depth--;
    f.positionInLine[t] = col;
    f.indentation[t] = indent;
    f.afterWhitespace[t] = /\s/.test(prev) ? 1 : 0;
    col++;
  }
  return f;
}

/** Pearson correlation of each unit with a feature; units sorted by |r|, strongest first. Constant series give r = 0. */
export function rankUnits(data: Float32Array, T: number, H: number, feature: Float32Array): { unit: number; r: number }[] {
  let fm = 0;
  for (let t = 0; t < T; t++) fm += feature[t];
  fm /= T || 1;
  let fvar = 0;
  for (let t = 0; t < T; t++) fvar += (feature[t] - fm) ** 2;
  const sum = new Float64Array(H),
    sq = new Float64Array(H),
    cross = new Float64Array(H);
  for (let t = 0; t < T; t++) {
    const fd = feature[t] - fm,
      row = t * H;
    for (let u = 0; u < H; u++) {
      const x = data[row + u];
      sum[u] += x;
      sq[u] += x * x;
      cross[u] += x * fd;
    }
  }
  const out: { unit: number; r: number }[] = [];
  for (let u = 0; u < H; u++) {
    const mean = sum[u] / T,
      xvar = sq[u] - T * mean * mean; // Σ(x-m)² ; Σ(x-m)(f-fm) = Σ x(f-fm)
    const den = Math.sqrt(Math.max(0, xvar) * fvar);
    out.push({ unit: u, r: den > 1e-12 ? cross[u] / den : 0 });
  }
  return out.sort((a, b) => Math.abs(b.r) - Math.abs(a.r) || a.unit - b.unit);
}

// ------------------------------------------------------------------ find cells (LSTMVis)

export interface CellMatch {
  units: { unit: number; inside: number; outside: number; score: number }[];
  matches: { start: number; end: number }[];
}

/**
 * Units "on" (value > threshold) across [start, end) and off in the `margin` steps on each side (default: the span's
 * length): score = fraction on inside − fraction on around. The best `k` with score > 0 are chosen; then every
 * other stretch of ≥ `minLen` steps where all of them are on together is listed (the span itself excluded).
 */
export function findCells(
  data: Float32Array,
  T: number,
  H: number,
  start: number,
  end: number,
  threshold: number,
  k = 5,
  margin?: number,
  minLen = 2,
): CellMatch {
  const s = Math.max(0, Math.min(T, Math.floor(start))),
    e = Math.max(s, Math.min(T, Math.floor(end)));
  if (e <= s) return { units: [], matches: [] };
  const m = margin ?? Math.max(1, e - s);
  const a0 = Math.max(0, s - m),
    a1 = Math.min(T, e + m);
  const nIn = e - s,
    nOut = s - a0 + (a1 - e);
  const units: CellMatch['units'] = [];
  for (let u = 0; u < H; u++) {
    let on = 0,
      off = 0;
    for (let t = s; t < e; t++) if (data[t * H + u] > threshold) on++;
    for (let t = a0; t < s; t++) if (data[t * H + u] > threshold) off++;
    for (let t = e; t < a1; t++) if (data[t * H + u] > threshold) off++;
    const inside = on / nIn,
      outside = nOut ? off / nOut : 0;
    units.push({ unit: u, inside, outside, score: inside - outside });
  }
  const chosen = units
    .filter((x) => x.score > 0)
    .sort((a, b) => b.score - a.score || a.unit - b.unit)
    .slice(0, k);
  const matches: { start: number; end: number }[] = [];
  if (chosen.length) {
    let runStart = -1;
    for (let t = 0; t <= T; t++) {
      const allOn = t < T && chosen.every((c) => data[t * H + c.unit] > threshold);
      if (allOn && runStart < 0) runStart = t;
      if (!allOn && runStart >= 0) {
        const overlapsSpan = runStart < e && t > s;
        if (t - runStart >= minLen && !overlapsSpan) matches.push({ start: runStart, end: t });
        runStart = -1;
      }
    }
  }
  return { units: chosen, matches };
}

// ------------------------------------------------------------------ gate saturation

/** Per unit: fraction of steps with value < lo (left-saturated) and > hi (right-saturated). */
export function saturation(data: Float32Array, T: number, H: number, lo = 0.1, hi = 0.9): { left: Float32Array; right: Float32Array } {
  const left = new Float32Array(H),
    right = new Float32Array(H);
  for (let t = 0; t < T; t++) {
    const row = t * H;
    for (let u = 0; u < H; u++) {
      const v = data[row + u];
      if (v < lo) left[u]++;
      else if (v > hi) right[u]++;
    }
  }
  for (let u = 0; u < H; u++) {
    left[u] /= T || 1;
    right[u] /= T || 1;
  }
  return { left, right };
}

// ------------------------------------------------------------------ export

/** CSV: one row per step (position, char, then one column per unit). Characters are quoted per RFC 4180. */
export function toCsv(data: Float32Array, T: number, H: number, chars: string[], digits = 5): string {
  const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
  const lines: string[] = ['position,char,' + Array.from({ length: H }, (_, u) => `u${u}`).join(',')];
  for (let t = 0; t < T; t++) {
    const row: string[] = [String(t), q(chars[t] ?? '')];
    for (let u = 0; u < H; u++) row.push(Number(data[t * H + u].toFixed(digits)).toString());
    lines.push(row.join(','));
  }
  return lines.join('\n') + '\n';
}

/** ETA / durations for the dashboard: "1 h 02 min", "3 min 05 s", "42 s" */
export function fmtSeconds(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return '–';
  const x = Math.max(0, Math.round(s));
  if (x >= 3600) return `${Math.floor(x / 3600)} h ${String(Math.floor((x % 3600) / 60)).padStart(2, '0')} min`;
  if (x >= 60) return `${Math.floor(x / 60)} min ${String(x % 60).padStart(2, '0')} s`;
  return `${x} s`;
}
