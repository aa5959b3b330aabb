/**
 * Chronological split, train-only z-score normalization and lookback windows for direct multi-output forecasting.
 *
 * A window sample j has its first target row r = rowOf(j); z = the z-scored data (n, F), targets in columns 0..K-1.
 * Level mode (relative = false):
 *   X[j][w][f] = z[r - W + w][f]                         (N, W, F) inputs: the W rows before r
 *   Y[j][h * K + k] = z[r + h][k]                        (N, Hz*K) targets: rows r..r+Hz-1
 * Relative mode (relative = true, the default): target columns are seen relative to the last observed value
 * L_k = z[r - 1][k] and scaled by s_k (RMS of one-step changes of z[.][k] in the training part):
 *   X[j][w][k] = (z[r - W + w][k] - L_k) / s_k  for k < K (other features stay z-scored)
 *   Y[j][h * K + k] = (z[r + h][k] - L_k) / s_k
 * so the model predicts changes from the last value: it extrapolates trends and starts from persistence. On a
 * trending seasonal series (tests/bench in the report) this cut the test RMSE several-fold against level mode.
 * Windows.toOriginal maps model outputs back to original units in both modes.
 *
 * The targets of a part's windows lie inside that part; the lookback may reach into the part before it (past
 * actuals only, no leak of future values). Windows are views, materialized on demand: a million rows with
 * W = 48 would not fit in memory as one X array.
 */
import { DataError } from '../errors';
import { buildSeries, type FillMethod, type Series, type TimeKind } from './columns';
import type { CsvTable } from './parse';
import { applyZScore, fitZScore, validateZScore, type ZScoreStats } from './zscore';

export interface SplitFractions {
  train: number;
  val: number;
  test: number;
}

export const DEFAULT_SPLIT: SplitFractions = { train: 0.7, val: 0.2, test: 0.1 };

export interface SplitRanges {
  train: [number, number];
  val: [number, number];
  test: [number, number];
}

/** rows [0,n) cut in time order: train first, then validation, then test (default 70/20/10); val/test may be 0 */
export function splitChronological(n: number, f: SplitFractions = DEFAULT_SPLIT): SplitRanges {
  const parts = [f.train, f.val, f.test];
  if (parts.some((x) => !Number.isFinite(x) || x < 0) || !(f.train > 0)) {
    throw new DataError(`The split must be three fractions (train > 0, validation and test >= 0), not ${f.train}/${f.val}/${f.test}.`);
  }
  const sum = f.train + f.val + f.test;
  if (Math.abs(sum - 1) > 1e-6) throw new DataError(`The split fractions must add up to 1, not ${+sum.toFixed(6)}.`);
  const nTest = Math.round(n * f.test);
  const nVal = Math.round(n * f.val);
  const a = n - nVal - nTest;
  return { train: [0, a], val: [a, a + nVal], test: [a + nVal, n] };
}

/** z-score statistics, JSON-serializable (stored in the model and the ONNX metadata) */
export interface WindowMode {
  /** per target k: s_k for relative mode; absent = level mode */
  deltaScale?: number[];
  /** for toOriginal */
  stats?: ZScoreStats;
}

export class Windows {
  /** number of samples */
  readonly N: number;
  /** first target row of sample 0 */
  readonly first: number;
  readonly deltaScale: number[] | null;
  readonly stats: ZScoreStats | null;

  /**
   * @param data (n, F) z-scored values, targets in columns 0..K-1
   * @param range [s,e): the part whose rows are targets
   */
  constructor(
    readonly data: Float32Array,
    readonly F: number,
    readonly K: number,
    readonly range: [number, number],
    readonly W: number,
    readonly horizon: number,
    mode: WindowMode = {},
  ) {
    this.first = Math.max(range[0], W);
    this.N = Math.max(0, range[1] - horizon + 1 - this.first);
    this.deltaScale = mode.deltaScale ?? null;
    this.stats = mode.stats ?? null;
    if (this.deltaScale && this.deltaScale.length !== K) throw new RangeError('Windows: deltaScale needs one value per target');
  }

  get relative(): boolean {
    return this.deltaScale !== null;
  }

  /** first target row of sample j */
  rowOf(j: number): number {
    return this.first + j;
  }

  /** Y width: horizon * K */
  get outputs(): number {
    return this.horizon * this.K;
  }

  /** writes sample j's inputs (W, F) at out[offset...] */
  fillX(j: number, out: Float32Array, offset = 0): void {
    const { W, F } = this;
    const start = (this.rowOf(j) - W) * F;
    out.set(this.data.subarray(start, start + W * F), offset);
    if (this.deltaScale) this.relativize(j, out, offset, F);
  }

  /** writes sample j's targets (horizon*K) at out[offset...] */
  fillY(j: number, out: Float32Array, offset = 0): void {
    const r = this.rowOf(j);
    const ds = this.deltaScale;
    for (let h = 0; h < this.horizon; h++) {
      for (let k = 0; k < this.K; k++) {
        const z = this.data[(r + h) * this.F + k]!;
        out[offset + h * this.K + k] = ds ? (z - this.data[(r - 1) * this.F + k]!) / ds[k]! : z;
      }
    }
  }

  /** all samples: X (N, W, F) and Y (N, horizon*K); throws when X would exceed maxBytes (default 512 MB) */
  materialize(maxBytes = 512 * 1024 * 1024): { X: Float32Array; Y: Float32Array } {
    const bytes = 4 * this.N * this.W * this.F;
    if (bytes > maxBytes) throw new DataError(`The windows would take ${(bytes / 1048576).toFixed(0)} MB; use batch() instead.`);
    const X = new Float32Array(this.N * this.W * this.F);
    const Y = new Float32Array(this.N * this.outputs);
    for (let j = 0; j < this.N; j++) {
      this.fillX(j, X, j * this.W * this.F);
      this.fillY(j, Y, j * this.outputs);
    }
    return { X, Y };
  }

  /**
   * A time-major batch for the engine: x (W,B,F) with x[w][b][f] at (w*B+b)*F+f, y (B, horizon*K),
   * for the samples idx (B = idx.length).
   */
  batch(idx: ArrayLike<number>, x: Float32Array, y: Float32Array): void {
    const B = idx.length;
    const { W, F } = this;
    const O = this.outputs;
    if (x.length < W * B * F || y.length < B * O) throw new RangeError(`Windows.batch: x needs W*B*F = ${W * B * F}, y needs B*O = ${B * O}`);
    for (let b = 0; b < B; b++) {
      const j = idx[b]!;
      if (!(j >= 0 && j < this.N)) throw new RangeError(`Windows.batch: sample ${j} is outside 0..${this.N - 1}`);
      const start = (this.rowOf(j) - W) * F;
      for (let w = 0; w < W; w++) x.set(this.data.subarray(start + w * F, start + (w + 1) * F), (w * B + b) * F);
      if (this.deltaScale) this.relativize(j, x, b * F, B * F);
      this.fillY(j, y, b * O);
    }
  }

  /**
   * Model outputs in the model's units -> forecasts in original units. pred holds `count` samples (O values each)
   * for samples first..first+count-1 (default: all N from 0). Needs the stats (prepareForecast passes them).
   */
  toOriginal(pred: ArrayLike<number>, firstSample = 0, count = Math.floor(pred.length / this.outputs)): Float64Array {
    const st = this.stats;
    if (!st) throw new Error('Windows.toOriginal needs the normalization statistics');
    const { K, F } = this;
    const O = this.outputs;
    const ds = this.deltaScale;
    const out = new Float64Array(count * O);
    for (let i = 0; i < count; i++) {
      const r = this.rowOf(firstSample + i);
      for (let o = 0; o < O; o++) {
        const k = o % K;
        const v = pred[i * O + o]!;
        const z = ds ? this.data[(r - 1) * F + k]! + v * ds[k]! : v;
        out[i * O + o] = z * st.std[k]! + st.mean[k]!;
      }
    }
    return out;
  }

  /** in place: target columns of sample j's window (W rows with stride `rowStride` from `offset`) relative to its last row */
  private relativize(j: number, buf: Float32Array, offset: number, rowStride: number): void {
    const ds = this.deltaScale!;
    const r = this.rowOf(j);
    for (let k = 0; k < this.K; k++) {
      const last = this.data[(r - 1) * this.F + k]!;
      const s = ds[k]!;
      for (let w = 0; w < this.W; w++) {
        const p = offset + w * rowStride + k;
        buf[p] = (buf[p]! - last) / s;
      }
    }
  }
}

/** s_k: RMS of one-step changes of z-scored target k over the rows of range (1 when there are none) */
export function deltaScales(data: Float32Array, F: number, K: number, range: [number, number]): number[] {
  const out: number[] = [];
  for (let k = 0; k < K; k++) {
    let ss = 0;
    let n = 0;
    for (let i = range[0] + 1; i < range[1]; i++) {
      const d = data[i * F + k]! - data[(i - 1) * F + k]!;
      ss += d * d;
      n++;
    }
    const s = n ? Math.sqrt(ss / n) : 0;
    out.push(s > 1e-6 ? s : 1);
  }
  return out;
}

export interface ForecastOptions {
  /** lookback window W (default 24) */
  window?: number;
  /** steps ahead, 1..N (default 1) */
  horizon?: number;
  split?: SplitFractions;
  /** targets relative to the last observed value (default true; see the top of this file) */
  relative?: boolean;
}

export interface ForecastData {
  series: Series;
  window: number;
  horizon: number;
  ranges: SplitRanges;
  /** train-only statistics, columns = series.columns */
  stats: ZScoreStats;
  /** (n, C) normalized */
  data: Float32Array;
  train: Windows;
  val: Windows;
  test: Windows;
  /** F = C (inputs per step), K = number of targets */
  F: number;
  K: number;
  /** relative mode: s_k per target; null in level mode */
  deltaScale: number[] | null;
}

/** the smallest number of rows for one training window: window + horizon */
export function minRowsFor(window: number, horizon: number): number {
  return window + horizon;
}

/**
 * Split, normalize (train-only), window. DataErrors: a bad window/horizon, a series shorter than window+horizon,
 * a training part too short for one window, a validation or test part shorter than the horizon, a target that
 * is constant in the training part.
 */
export function prepareForecast(series: Series, opts: ForecastOptions = {}): ForecastData {
  const W = opts.window ?? 24;
  const Hz = opts.horizon ?? 1;
  if (!Number.isInteger(W) || W < 1) throw new DataError(`The window must be a whole number of at least 1, not ${W}.`);
  if (!Number.isInteger(Hz) || Hz < 1) throw new DataError(`The horizon must be a whole number of at least 1, not ${Hz}.`);
  const n = series.n;
  const need = minRowsFor(W, Hz);
  if (n < need) {
    throw new DataError(
      `The series has ${n} row${n === 1 ? '' : 's'}; a window of ${W} plus a horizon of ${Hz} needs at least ${need}, and more for validation and test (try a smaller window).`,
    );
  }
  const ranges = splitChronological(n, opts.split ?? DEFAULT_SPLIT);
  const trainRows = ranges.train[1] - ranges.train[0];
  if (trainRows < need) {
    throw new DataError(
      `The training part has ${trainRows} rows; a window of ${W} plus a horizon of ${Hz} needs at least ${need} (the series has ${n} rows; try a smaller window or a longer series).`,
    );
  }
  for (const part of ['val', 'test'] as const) {
    const rows = ranges[part][1] - ranges[part][0];
    if (rows > 0 && rows < Hz) {
      const word = part === 'val' ? 'validation' : 'test';
      throw new DataError(
        `The ${word} part has ${rows} row${rows === 1 ? '' : 's'}, fewer than the horizon of ${Hz} (use a longer series, a smaller horizon or a bigger ${word} fraction).`,
      );
    }
  }
  const stats = fitZScore(series.values, series.C, ranges.train, series.columns);
  const K = series.targets.length;
  for (let k = 0; k < K; k++) {
    if (stats.std[k] === 1) {
      // fitZScore sets 1 for constant columns: verify it is truly constant
      const [s, e] = ranges.train;
      const v0 = series.values[s * series.C + k]!;
      let constant = true;
      for (let i = s; i < e && constant; i++) if (series.values[i * series.C + k] !== v0) constant = false;
      if (constant) throw new DataError(`The target ${series.targets[k]} is constant in the training part (every value is ${v0}): there is nothing to learn.`);
    }
  }
  const data = applyZScore(series.values, stats);
  const F = series.C;
  const deltaScale = opts.relative === false ? null : deltaScales(data, F, K, ranges.train);
  const mode: WindowMode = { stats, ...(deltaScale ? { deltaScale } : {}) };
  const mk = (r: [number, number]): Windows => new Windows(data, F, K, r, W, Hz, mode);
  return { series, window: W, horizon: Hz, ranges, stats, data, train: mk(ranges.train), val: mk(ranges.val), test: mk(ranges.test), F, K, deltaScale };
}

/**
 * What a trained forecaster needs to read new data the same way; JSON-serializable (store it in the model card /
 * checkpoint and, as a string, in the ONNX metadata).
 */
export interface ForecastSpec {
  format: 1;
  timeColumn: string | null;
  timeKind: TimeKind;
  /** median step between rows (ms for dates) */
  step: number;
  targets: string[];
  /** extra input columns; the model's inputs are [...targets, ...features] (F = their count) */
  features: string[];
  window: number;
  horizon: number;
  fill: FillMethod;
  stats: ZScoreStats;
  /** relative mode: s_k per target (see the top of this file); null = level mode */
  deltaScale: number[] | null;
  /** the CSV is a wide table read as one series (wide.ts): read new data the same way */
  wide?: true;
}

export function forecastSpec(fd: ForecastData): ForecastSpec {
  const s = fd.series;
  return {
    format: 1,
    timeColumn: s.timeColumn,
    timeKind: s.timeKind,
    step: s.step,
    targets: s.targets.slice(),
    features: s.features.slice(),
    window: fd.window,
    horizon: fd.horizon,
    fill: s.fill,
    stats: { columns: fd.stats.columns.slice(), mean: fd.stats.mean.slice(), std: fd.stats.std.slice() },
    deltaScale: fd.deltaScale ? fd.deltaScale.slice() : null,
  };
}

/** checks a spec read from a model file */
export function validateForecastSpec(spec: unknown): ForecastSpec {
  const s = spec as ForecastSpec;
  const ok =
    s &&
    s.format === 1 &&
    Array.isArray(s.targets) &&
    s.targets.length > 0 &&
    Array.isArray(s.features) &&
    Number.isInteger(s.window) &&
    s.window > 0 &&
    Number.isInteger(s.horizon) &&
    s.horizon > 0;
  if (!ok) throw new DataError('The stored forecasting settings are missing or damaged.');
  validateZScore(s.stats);
  if (s.stats.columns.length !== s.targets.length + s.features.length) throw new DataError('The stored forecasting settings are missing or damaged.');
  const ds = s.deltaScale;
  if (ds !== null && !(Array.isArray(ds) && ds.length === s.targets.length && ds.every((x) => Number.isFinite(x) && x > 0))) {
    throw new DataError('The stored forecasting settings are missing or damaged.');
  }
  return s;
}

export interface InferenceInput {
  series: Series;
  /** the model input: the last `window` rows, transformed exactly like training windows, time-major (W, 1, F) */
  x: Float32Array;
  /** time value of the last row (epoch ms / index / row number) */
  lastTime: number;
  /** model outputs (horizon*K, index h*K+k) -> forecasts in original units */
  toOriginal(pred: ArrayLike<number>): Float64Array;
}

/**
 * Prepares new data for a trained forecaster: the same time column, targets and features (by name), the same
 * fill, the stored (training) statistics, and the last `window` rows as the model input. DataError when a column
 * is missing or there are fewer rows than the window.
 */
export function inferenceInput(table: CsvTable, spec: ForecastSpec): InferenceInput {
  validateForecastSpec(spec);
  const series = buildSeries(table, { time: spec.timeColumn, targets: spec.targets, features: spec.features, fill: spec.fill, allowConstantTarget: true });
  if (series.n < spec.window) {
    throw new DataError(
      `The data has ${series.n} row${series.n === 1 ? '' : 's'}; this model reads the last ${spec.window} rows, so it needs at least ${spec.window}.`,
    );
  }
  const F = series.C;
  const K = spec.targets.length;
  // the last W rows plus one placeholder row r = W, so a Windows view can do the same transform as in training
  const W = spec.window;
  const tail = series.values.subarray((series.n - W) * F);
  const z = new Float32Array((W + 1) * F);
  for (let i = 0; i < W; i++) {
    for (let j = 0; j < F; j++) z[i * F + j] = (tail[i * F + j]! - spec.stats.mean[j]!) / spec.stats.std[j]!;
  }
  const win = new Windows(z, F, K, [W, W + 1], W, 1, { stats: spec.stats, ...(spec.deltaScale ? { deltaScale: spec.deltaScale } : {}) });
  const x = new Float32Array(W * F);
  win.fillX(0, x);
  const lastTime = series.time ? series.time[series.n - 1]! : series.n - 1;
  const toOriginal = (pred: ArrayLike<number>): Float64Array => {
    if (pred.length !== spec.horizon * K) throw new RangeError(`toOriginal: expected ${spec.horizon * K} outputs, got ${pred.length}`);
    // every step of the horizon maps like a horizon-1 output of the same window
    const out = new Float64Array(pred.length);
    for (let h = 0; h < spec.horizon; h++) out.set(win.toOriginal(Array.prototype.slice.call(pred, h * K, (h + 1) * K), 0, 1), h * K);
    return out;
  };
  return { series, x, lastTime, toOriginal };
}
