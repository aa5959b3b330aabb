/**
 * Metrics (MAE, RMSE, MAPE), season detection, and the baselines a forecaster must beat: persistence (last value),
 * drift (a line through the training part's ends), seasonal naive (the value one season earlier), and the training mean. All in the series' original units.
 */
import { DataError } from '../errors';
import type { ForecastData, Windows } from './prepare';
import type { ZScoreStats } from './zscore';
import { autocorrelation } from './acf';
import { etsWindows, thetaWindows } from './statForecasts';
import { type Frequency, inferFrequency, SEASONS_OF } from './time';

export interface Metrics {
  mae: number;
  rmse: number;
  /** mean absolute percentage error in percent, over actual values that are not ~0; null when all are ~0 */
  mape: number | null;
  /** predictions left out of MAPE because the actual value is ~0 */
  mapeSkipped: number;
  /** symmetric MAPE in percent, 200·|p − a| / (|p| + |a|), over pairs that are not both ~0; null when none */
  smape: number | null;
  count: number;
}

/** MAE, RMSE and MAPE (%) of pred against actual (same length, > 0) */
export function metrics(pred: ArrayLike<number>, actual: ArrayLike<number>): Metrics {
  const n = actual.length;
  if (pred.length !== n) throw new RangeError(`metrics: ${pred.length} predictions for ${n} actual values`);
  if (n === 0) throw new RangeError('metrics: no values');
  let ae = 0;
  let se = 0;
  let ape = 0;
  let apeN = 0;
  let sape = 0;
  let sapeN = 0;
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(actual[i]!));
  const eps = 1e-9 * Math.max(scale, 1e-300);
  for (let i = 0; i < n; i++) {
    const d = pred[i]! - actual[i]!;
    ae += Math.abs(d);
    se += d * d;
    const a = Math.abs(actual[i]!);
    if (a > eps) {
      ape += Math.abs(d) / a;
      apeN++;
    }
    const both = a + Math.abs(pred[i]!);
    if (both > eps) {
      sape += (2 * Math.abs(d)) / both;
      sapeN++;
    }
  }
  const smape = sapeN ? (100 * sape) / sapeN : null;
  return { mae: ae / n, rmse: Math.sqrt(se / n), mape: apeN ? (100 * ape) / apeN : null, mapeSkipped: n - apeN, smape, count: n };
}

export interface Season {
  period: number;
  /** autocorrelation at the period */
  acf: number;
}

export { autocorrelation } from './acf';

/**
 * The season of x, or null: x is detrended (least-squares line), then the first lag >= 2 is taken whose
 * autocorrelation is a local peak of at least minAcf (default 0.3) and rises at least 0.2 above the trough
 * before it (the top of that hump when the peak is broad and noisy); a later peak wins only if clearly higher (+0.1),
 * which avoids picking multiples of the season.
 * Looks at the last 20000 values and lags up to min(maxLag, n/2) (default maxLag 400).
 */
export function detectSeason(x: ArrayLike<number>, opts: { maxLag?: number; minAcf?: number } = {}): Season | null {
  const all = x.length;
  const n = Math.min(all, 20000);
  const off = all - n;
  const maxLag = Math.min(opts.maxLag ?? 400, Math.floor(n / 2));
  const minAcf = opts.minAcf ?? 0.3;
  if (maxLag < 3) return null;
  // detrend
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const y = x[off + i]!;
    sx += i;
    sy += y;
    sxx += i * i;
    sxy += i * y;
  }
  const slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  const icpt = (sy - slope * sx) / n;
  const r = new Float64Array(n);
  for (let i = 0; i < n; i++) r[i] = x[off + i]! - (icpt + slope * i);
  const acf = autocorrelation(r, maxLag);
  let best: Season | null = null;
  let trough = acf[1]!;
  for (let k = 2; k < acf.length - 1; k++) {
    const a = acf[k]!;
    trough = Math.min(trough, a);
    if (a >= acf[k - 1]! && a >= acf[k + 1]! && a >= minAcf && a - trough >= 0.2) {
      // a noisy, broad peak has several local maxima: take the top of the hump (while within 0.1 of this one)
      let top = k;
      let j = k + 1;
      for (; j < acf.length && acf[j]! >= a - 0.1; j++) if (acf[j]! > acf[top]!) top = j;
      if (!best || acf[top]! > best.acf + 0.1) best = { period: top, acf: acf[top]! };
      trough = acf[top]!;
      k = Math.max(k, j - 1);
    }
  }
  return best;
}

/**
 * The season for seasonal naive, and why: the frequency's seasons first (monthly 12, quarterly 4, weekly 52, daily 7
 * then 365, hourly 24 then 168, business days 5), each used only when the training data has at least two of them
 * and its detrended autocorrelation there is at least 0.3; else a season the data itself shows strongly (detectSeason
 * with an autocorrelation of at least 0.5); else none.
 */
export function chooseSeason(x: ArrayLike<number>, freq: Frequency): { season: BaselineReport['season']; reason: string } {
  const tried: string[] = [];
  for (const p of SEASONS_OF[freq]) {
    if (x.length < 2 * p + 1) {
      tried.push(`${p} needs ${2 * p + 1} training rows, there are ${x.length}`);
      continue;
    }
    const acf = detrendedAcf(x, p);
    if (acf >= 0.3)
      return { season: { period: p, detected: true, acf }, reason: `Season ${p}: the data is ${freq}, and its autocorrelation at ${p} is ${acf.toFixed(2)}.` };
    tried.push(`its autocorrelation at ${p} is only ${acf.toFixed(2)}`);
  }
  const found = detectSeason(x, { minAcf: 0.5 });
  const why = freq === 'other' ? 'the rows have no calendar frequency' : `the data is ${freq}, but ${tried.join('; ') || 'that frequency has no season'}`;
  if (found)
    return {
      season: { period: found.period, detected: true, acf: found.acf },
      reason: `Season ${found.period}, found in the data (autocorrelation ${found.acf.toFixed(2)}): ${why}.`,
    };
  return { season: null, reason: `No season, so seasonal naive is not reported: ${why}, and the data shows none.` };
}

/** autocorrelation at `lag` of x after removing its least-squares line */
function detrendedAcf(x: ArrayLike<number>, lag: number): number {
  const n = x.length;
  let sx = 0,
    sy = 0,
    sxx = 0,
    sxy = 0;
  for (let i = 0; i < n; i++) {
    sx += i;
    sy += x[i]!;
    sxx += i * i;
    sxy += i * x[i]!;
  }
  const slope = (n * sxy - sx * sy) / (n * sxx - sx * sx || 1);
  const icpt = (sy - slope * sx) / n;
  const r = Float64Array.from({ length: n }, (_, i) => x[i]! - (icpt + slope * i));
  return autocorrelation(r, lag)[lag]!;
}

export type BaselineName = 'persistence' | 'drift' | 'seasonal naive' | 'training mean' | 'ETS' | 'Theta';

export interface BaselineResult {
  name: BaselineName;
  /** over all targets and horizon steps */
  metrics: Metrics;
  /** per target, in series.targets order */
  perTarget: Metrics[];
  /** seasonal naive only: the season used */
  period?: number;
  /** MAE over the report's MASE scale (one target only; null otherwise) */
  mase: number | null;
  /** the forecasts (N, horizon·K), for Auto's choice and ensemble (not written to reports) */
  pred?: Float64Array;
}

export interface BaselineReport {
  part: 'val' | 'test';
  results: BaselineResult[];
  /** the season used by seasonal naive, null if none was found or given (then seasonal naive is not reported) */
  season: { period: number; detected: boolean; acf?: number } | null;
  /** MASE's scale (maseScale with the season used, else 1); null for several targets or a scale of 0 */
  maseScale: number | null;
  /** the frequency inferred from the time column */
  frequency: Frequency;
  notes: string[];
}

/** (N, Hz*K) actual target values of a window set, in original units (from series.values) */
export function actualY(fd: ForecastData, w: Windows): Float64Array {
  const { C, values } = fd.series;
  const { horizon: Hz, K } = w;
  const out = new Float64Array(w.N * Hz * K);
  for (let j = 0; j < w.N; j++) {
    const r = w.rowOf(j);
    for (let h = 0; h < Hz; h++) for (let k = 0; k < K; k++) out[(j * Hz + h) * K + k] = values[(r + h) * C + k]!;
  }
  return out;
}

/** level mode only (relative: false): model outputs (N, Hz*K) in z-score units -> original units. In general use Windows.toOriginal. */
export function denormalizeY(pred: ArrayLike<number>, stats: ZScoreStats, K: number): Float64Array {
  const out = new Float64Array(pred.length);
  for (let i = 0; i < pred.length; i++) {
    const k = i % K;
    out[i] = pred[i]! * stats.std[k]! + stats.mean[k]!;
  }
  return out;
}

/** metrics over everything and per target, for predictions laid out (N, Hz*K) in original units */
export function scoreForecast(pred: ArrayLike<number>, actual: ArrayLike<number>, K: number): { metrics: Metrics; perTarget: Metrics[] } {
  const perTarget: Metrics[] = [];
  for (let k = 0; k < K; k++) {
    const p: number[] = [];
    const a: number[] = [];
    for (let i = k; i < actual.length; i += K) {
      p.push(pred[i]!);
      a.push(actual[i]!);
    }
    perTarget.push(metrics(p, a));
  }
  return { metrics: metrics(pred, actual), perTarget };
}

/** mean absolute error at each horizon step (over windows and targets) of predictions laid out (N, Hz*K) */
export function maeByHorizon(pred: ArrayLike<number>, actual: ArrayLike<number>, Hz: number, K: number): number[] {
  const sums = new Float64Array(Hz);
  const N = actual.length / (Hz * K);
  for (let i = 0; i < actual.length; i++) sums[Math.floor(i / K) % Hz] += Math.abs(pred[i]! - actual[i]!);
  return Array.from(sums, (v) => v / (N * K));
}

/** persistence: every step of the horizon repeats the last observed value */
export function persistenceForecast(fd: ForecastData, w: Windows): Float64Array {
  const { C, values } = fd.series;
  const { horizon: Hz, K } = w;
  const out = new Float64Array(w.N * Hz * K);
  for (let j = 0; j < w.N; j++) {
    const r = w.rowOf(j);
    for (let h = 0; h < Hz; h++) for (let k = 0; k < K; k++) out[(j * Hz + h) * K + k] = values[(r - 1) * C + k]!;
  }
  return out;
}

/** seasonal naive: step h repeats the value at the same phase of the last observed season (persistence before one season of history) */
export function seasonalNaiveForecast(fd: ForecastData, w: Windows, period: number): Float64Array {
  if (!Number.isInteger(period) || period < 1) throw new DataError(`The season must be a whole number of at least 1 step, not ${period}.`);
  const { C, values } = fd.series;
  const { horizon: Hz, K } = w;
  const out = new Float64Array(w.N * Hz * K);
  for (let j = 0; j < w.N; j++) {
    const r = w.rowOf(j);
    for (let h = 0; h < Hz; h++) {
      let src = r + h - period * (Math.floor(h / period) + 1);
      if (src < 0) src = r - 1;
      for (let k = 0; k < K; k++) out[(j * Hz + h) * K + k] = values[src * C + k]!;
    }
  }
  return out;
}

/** the training mean of each target, for every step */
/** drift: the last observed value plus h times the mean step of the training part up to it (a line through its ends) */
export function driftForecast(fd: ForecastData, w: Windows): Float64Array {
  const { C, values } = fd.series;
  const { horizon: Hz, K } = w;
  const t0 = fd.ranges.train[0];
  const out = new Float64Array(w.N * Hz * K);
  for (let j = 0; j < w.N; j++) {
    const r = w.rowOf(j);
    for (let k = 0; k < K; k++) {
      const last = values[(r - 1) * C + k]!;
      const slope = r - 1 > t0 ? (last - values[t0 * C + k]!) / (r - 1 - t0) : 0;
      for (let h = 0; h < Hz; h++) out[(j * Hz + h) * K + k] = last + (h + 1) * slope;
    }
  }
  return out;
}

/**
 * MASE's scale: the in-sample mean absolute error of the seasonal naive (period m; 1 = persistence) on the training
 * part of the first target. Null when it is 0 (a series that repeats exactly) or there are too few rows.
 */
export function maseScale(fd: ForecastData, m: number): number | null {
  const { C, values } = fd.series;
  const [s, e] = fd.ranges.train;
  let sum = 0,
    n = 0;
  for (let i = s + m; i < e; i++) {
    sum += Math.abs(values[i * C]! - values[(i - m) * C]!);
    n++;
  }
  return n && sum > 0 ? sum / n : null;
}

export function meanForecast(fd: ForecastData, w: Windows): Float64Array {
  const { horizon: Hz, K } = w;
  const out = new Float64Array(w.N * Hz * K);
  for (let i = 0; i < out.length; i++) out[i] = fd.stats.mean[i % K]!;
  return out;
}

/**
 * Scores the baselines on the test part (or 'val'): the naive ones, and AutoETS and Theta (statForecasts.ts; off
 * with statistical: false). season: a period to force, null for none, undefined to detect it on the training part
 * of the first target.
 */
export function evaluateBaselines(fd: ForecastData, opts: { part?: 'val' | 'test'; season?: number | null; statistical?: boolean } = {}): BaselineReport {
  const part = opts.part ?? 'test';
  const w = fd[part];
  if (w.N === 0) throw new DataError(`The ${part === 'val' ? 'validation' : 'test'} part is empty: there is nothing to evaluate on.`);
  const notes: string[] = [];
  const frequency = inferFrequency(fd.series);
  const actual = actualY(fd, w);
  let season: BaselineReport['season'] = null;
  if (opts.season != null) season = { period: opts.season, detected: false };
  else if (opts.season === undefined) {
    const [s, e] = fd.ranges.train;
    const C = fd.series.C;
    const x = new Float64Array(e - s);
    for (let i = s; i < e; i++) x[i - s] = fd.series.values[i * C]!;
    const chosen = chooseSeason(x, frequency);
    season = chosen.season;
    notes.push(chosen.reason);
  }
  const results: BaselineResult[] = [];
  const add = (name: BaselineName, pred: Float64Array, period?: number): void => {
    const s = scoreForecast(pred, actual, w.K);
    results.push({ name, metrics: s.metrics, perTarget: s.perTarget, ...(period ? { period } : {}), mase: null, pred });
  };
  add('persistence', persistenceForecast(fd, w));
  add('drift', driftForecast(fd, w));
  if (season) add('seasonal naive', seasonalNaiveForecast(fd, w, season.period), season.period);
  add('training mean', meanForecast(fd, w));
  if (opts.statistical !== false) {
    const ets = etsWindows(fd, w, season?.period ?? null);
    add('ETS', ets.pred);
    notes.push(ets.note);
    add('Theta', thetaWindows(fd, w, season?.period ?? null).pred);
  }
  const scale = fd.K === 1 ? maseScale(fd, season?.period ?? 1) : null;
  for (const r of results) r.mase = scale ? r.metrics.mae / scale : null;
  return { part, results, season, maseScale: scale, frequency, notes };
}

/**
 * The verdict: the best method on the test windows by MASE (by RMSE when there is no MASE: several targets, or a
 * series whose seasonal naive is exact), in a plain sentence that says so when a baseline wins.
 */
export function compareWithBaselines(
  model: Metrics,
  report: BaselineReport,
): { beatsPersistence: boolean; beatsAll: boolean; best: string; by: 'MASE' | 'RMSE'; summary: string } {
  const by = report.maseScale ? 'MASE' : 'RMSE';
  const score = (m: Metrics) => (by === 'MASE' ? m.mae / report.maseScale! : m.rmse);
  const pers = report.results.find((r) => r.name === 'persistence')!;
  const best = report.results.reduce((a, b) => (score(b.metrics) < score(a.metrics) ? b : a));
  const beatsPersistence = score(model) < score(pers.metrics);
  const beatsAll = score(model) < score(best.metrics);
  const pct = (a: number, b: number): string => `${Math.abs((100 * (a - b)) / b).toFixed(1)}%`;
  const m = fmt(score(model)),
    b = fmt(score(best.metrics));
  let summary: string;
  if (beatsAll)
    summary = `The model is the best method on the test windows: ${by} ${m}, ${pct(score(model), score(best.metrics))} below the best baseline (${best.name}, ${b}).`;
  else if (!beatsPersistence)
    summary = `${best.name} is the best method on the test windows (${by} ${b}); the model does not even beat persistence (${by} ${m} against ${fmt(score(pers.metrics))}). Use ${best.name}'s forecast.`;
  else
    summary = `${best.name} is the best method on the test windows (${by} ${b} against the model's ${m}); the model beats persistence, not ${best.name}. Use ${best.name}'s forecast.`;
  return { beatsPersistence, beatsAll, best: beatsAll ? 'model' : best.name, by, summary };
}

/**
 * Prediction-interval half-widths from validation residuals: for each output (h,k) the lower and upper
 * residual quantiles ((1-coverage)/2 and (1+coverage)/2) of actual - pred. Add them to a prediction.
 */
export function residualQuantiles(
  pred: ArrayLike<number>,
  actual: ArrayLike<number>,
  outputs: number,
  coverage = 0.9,
): { lower: Float64Array; upper: Float64Array } {
  if (!(coverage > 0 && coverage < 1)) throw new RangeError(`coverage must be in (0,1), not ${coverage}`);
  const N = Math.floor(actual.length / outputs);
  if (N === 0) throw new RangeError('residualQuantiles: no samples');
  const lower = new Float64Array(outputs);
  const upper = new Float64Array(outputs);
  const r = new Float64Array(N);
  for (let o = 0; o < outputs; o++) {
    for (let j = 0; j < N; j++) r[j] = actual[j * outputs + o]! - pred[j * outputs + o]!;
    r.sort();
    lower[o] = quantile(r, (1 - coverage) / 2);
    upper[o] = quantile(r, (1 + coverage) / 2);
  }
  return { lower, upper };
}

function quantile(sorted: Float64Array, q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (pos - lo) * (sorted[hi]! - sorted[lo]!);
}

function fmt(x: number): string {
  return Math.abs(x) >= 100 ? x.toFixed(1) : Math.abs(x) >= 1 ? x.toFixed(3) : x.toPrecision(3);
}
