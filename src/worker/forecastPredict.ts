/**
 * A trained forecaster, used: its report, its spec from model.onnx, forecasts of new data (through onnxruntime),
 * continuing its training, and the column choices of a CSV. The training run itself is forecast.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildSeries,
  detectSeason,
  inspectColumns,
  formatTime,
  futureTimes,
  asSeriesTable,
  autoEts,
  ETS_MAX_SEASON,
  etsForecast,
  FIT_MAX,
  theta,
  detectWide,
  parseCsvFile,
  type Series,
  validateForecastSpec,
  writeForecastCsv,
  metrics as metricsOf,
} from '../data/csv';
import { DataError } from '../data/errors';
import { readCard } from '../data/card';
import { readCheckpoint } from '../data/modelFolder';
import { OnnxModel } from '../onnx/runtime';
import { CARD_FILE, ONNX_FILE } from '../protocol/model';
import type { ForecastColumns, ForecastPredictRequest, ForecastPredictResult, ForecastReport, TrainRequest, TrainResult } from '../protocol/worker';
import { type ForecastHooks, type ForecastNorm, REPORT_FILE, runForecastTraining } from './forecast';

/** reads the forecast report of a model folder (null when there is none) */
export function readForecastReport(modelDir: string): ForecastReport | null {
  const f = join(modelDir, REPORT_FILE);
  if (!existsSync(f)) return null;
  try {
    return JSON.parse(readFileSync(f, 'utf8')) as ForecastReport;
  } catch {
    throw new DataError(`${f} is damaged (not valid JSON).`);
  }
}

/** the ForecastNorm stored in an ONNX model's metadata, checked */
export function forecastNormOf(model: OnnxModel, name: string): ForecastNorm {
  const n = model.info.norm as Partial<ForecastNorm> | undefined;
  if (!n || n.kind !== 'forecast' || model.signature.kind === 'char')
    throw new DataError(`${name} is not a forecasting model (its ONNX file has no forecasting settings).`);
  validateForecastSpec(n);
  return n as ForecastNorm;
}

/**
 * Forecasts the next `steps` rows after the end of `file` with the model folder's model.onnx (onnxruntime-node).
 * steps <= horizon: one call. Beyond the horizon a targets-only model feeds its forecasts back in as inputs
 * (autoregressive); the interval of step s then uses the last horizon step's quantiles widened by √⌈s/horizon⌉.
 */
export async function predictForecast(req: ForecastPredictRequest): Promise<ForecastPredictResult> {
  const dir = req.modelDir;
  if (!existsSync(join(dir, CARD_FILE))) throw new DataError(`${dir} is not a Sequence Lab model folder (no ${CARD_FILE}).`);
  const card = readCard(dir);
  if (card.config.kind !== 'regression') throw new DataError(`${card.name} is a text model, not a forecasting model.`);
  const onnxFile = join(dir, ONNX_FILE);
  if (!existsSync(onnxFile)) throw new DataError(`${card.name} has no ${ONNX_FILE} yet (training has not reached its first evaluation).`);
  if (!existsSync(req.file)) throw new DataError(`No such file: ${req.file}`);
  const raw = parseCsvFile(req.file);
  const model = await OnnxModel.load(onnxFile, { name: card.name });
  try {
    const spec = forecastNormOf(model, card.name);
    const table = asSeriesTable(raw, spec.wide);
    const series = buildSeries(table, { time: spec.timeColumn, targets: spec.targets, features: spec.features, fill: spec.fill, allowConstantTarget: true });
    const W = spec.window;
    const Hz = spec.horizon;
    const K = spec.targets.length;
    if (series.n < W)
      throw new DataError(`${req.file} has ${series.n} row${series.n === 1 ? '' : 's'}; this model reads the last ${W} rows, so it needs at least ${W}.`);
    const steps = req.steps ?? Hz;
    if (!Number.isInteger(steps) || steps < 1 || steps > 10000)
      throw new DataError(`The number of steps must be a whole number from 1 to 10000, not ${steps}.`);
    if (steps > Hz && spec.features.length > 0) {
      throw new DataError(
        `This model uses the feature column${spec.features.length > 1 ? 's' : ''} ${spec.features.join(', ')}, whose future values are unknown: it can forecast at most its horizon of ${Hz} step${Hz > 1 ? 's' : ''}.`,
      );
    }
    const method = req.method ?? 'model';
    const values =
      method === 'model'
        ? await rollForward(model, spec, series, steps)
        : baselineForecast(method, series, K, steps, readForecastReport(dir)?.season?.period ?? null);
    const times = futureTimes(series, steps);
    const iv = method === 'model' ? spec.intervals : null;
    const { lower, upper } = intervalsOf(values, iv, steps, K, Hz);
    const timeColumn = spec.timeColumn ?? 'step';
    const res: ForecastPredictResult = {
      targets: spec.targets,
      timeColumn,
      timeKind: spec.timeKind,
      times,
      labels: times.map((t) => formatTime(t, spec.timeKind)),
      values,
      lower,
      upper,
      coverage: iv?.coverage ?? 0,
      method,
    };
    if (req.write) {
      res.written = writeForecastCsv(req.file, { timeColumn, timeKind: spec.timeKind, times, targets: spec.targets, values, ...(iv ? { lower, upper } : {}) });
    }
    return res;
  } finally {
    await model.dispose();
  }
}

/**
 * The next `steps` rows of the targets (steps, K) in original units: each round reads the last W rows and predicts
 * the horizon; beyond the horizon the forecasts become the next rounds' inputs.
 */
async function rollForward(model: OnnxModel, spec: ForecastNorm, series: Series, steps: number): Promise<number[]> {
  const W = spec.window,
    Hz = spec.horizon,
    K = spec.targets.length,
    F = series.C;
  // the last W raw rows (W, F), extended with each round's forecasts
  const rows: number[][] = [];
  for (let i = series.n - W; i < series.n; i++) rows.push(Array.from(series.values.subarray(i * F, (i + 1) * F)));
  const { mean, std } = spec.stats;
  const ds = spec.deltaScale;
  const values: number[] = [];
  while (values.length < steps * K) {
    const win = rows.slice(rows.length - W);
    const zLast = win[W - 1]!.map((v, j) => (v - mean[j]!) / std[j]!);
    const x = new Float32Array(W * F);
    for (let w = 0; w < W; w++) {
      for (let j = 0; j < F; j++) {
        const z = (win[w]![j]! - mean[j]!) / std[j]!;
        x[w * F + j] = ds && j < K ? (z - zLast[j]!) / ds[j]! : z;
      }
    }
    const r = await model.run(x, W, 1);
    const out = r.logits.subarray((W - 1) * Hz * K, W * Hz * K);
    for (let h = 0; h < Hz && values.length < steps * K; h++) {
      const row: number[] = [];
      for (let k = 0; k < K; k++) {
        const v = out[h * K + k]!;
        const z = ds ? zLast[k]! + v * ds[k]! : v;
        const orig = z * std[k]! + mean[k]!;
        values.push(orig);
        row.push(orig);
      }
      rows.push(row);
    }
  }
  return values;
}

/** the methods that can forecast in the model's place, by their report names */
export const FORECAST_METHODS = ['model', 'ETS', 'Theta', 'seasonal naive', 'drift', 'persistence'];

/**
 * A baseline's forecast of the next `steps` rows (steps, K) from the whole series: AutoETS and Theta fitted on its
 * last FIT_MAX rows (with the report's season), or the naive rules.
 */
function baselineForecast(method: string, series: Series, K: number, steps: number, season: number | null): number[] {
  if (!FORECAST_METHODS.includes(method)) throw new DataError(`There is no forecasting method "${method}"; the methods are ${FORECAST_METHODS.join(', ')}.`);
  if (method === 'seasonal naive' && !season) throw new DataError('This series has no season, so there is no seasonal naive forecast.');
  const out = new Array<number>(steps * K);
  for (let k = 0; k < K; k++) {
    const n = series.n,
      from = Math.max(0, n - FIT_MAX);
    const y = Float64Array.from({ length: n - from }, (_, i) => series.values[(from + i) * series.C + k]!);
    const last = y[y.length - 1]!;
    let f: ArrayLike<number>;
    if (method === 'ETS') {
      const fit = autoEts(y, season && season <= ETS_MAX_SEASON ? season : 1).best;
      f = etsForecast(fit, steps);
    } else if (method === 'Theta') f = theta(y, season ?? 1).forecast(steps);
    else if (method === 'seasonal naive') f = Array.from({ length: steps }, (_, h) => y[y.length - season! + (h % season!)]!);
    else if (method === 'drift') f = Array.from({ length: steps }, (_, h) => last + ((h + 1) * (last - y[0]!)) / Math.max(1, y.length - 1));
    else f = Array.from({ length: steps }, () => last);
    for (let h = 0; h < steps; h++) out[h * K + k] = f[h]!;
  }
  return out;
}

/** Each step's interval: the horizon step's residual quantiles, widened by √⌈s/horizon⌉ past the horizon. */
function intervalsOf(values: number[], iv: ForecastNorm['intervals'], steps: number, K: number, Hz: number): { lower: number[]; upper: number[] } {
  const lower: number[] = [];
  const upper: number[] = [];
  for (let st = 0; st < steps; st++) {
    for (let k = 0; k < K; k++) {
      const h = Math.min(st, Hz - 1);
      const widen = st < Hz ? 1 : Math.sqrt(Math.ceil((st + 1) / Hz));
      const v = values[st * K + k]!;
      lower.push(iv ? v + widen * iv.lower[h * K + k]! : v);
      upper.push(iv ? v + widen * iv.upper[h * K + k]! : v);
    }
  }
  return { lower, upper };
}

/** whether a model folder's checkpoint is a forecasting run's (so "Continue Training" resumes it as one) */
export function isForecastCheckpoint(dir: string): boolean {
  try {
    return !!(readCheckpoint(dir).meta.forecast as { request?: unknown } | undefined)?.request;
  } catch {
    return false;
  }
}

/** "Continue Training" on a forecaster (a text-training request with resume): an exact resume of the forecasting run */
export async function continueForecast(req: TrainRequest, hooks: ForecastHooks = {}): Promise<TrainResult> {
  if (!req.resume || req.resume.mode !== 'exact' || req.resume.from !== req.outDir) {
    throw new DataError('A forecasting model can only be continued exactly, in its own folder (fine-tuning on other data is for text models).');
  }
  const r = await runForecastTraining(
    {
      jobId: req.jobId,
      file: '',
      outDir: req.outDir,
      name: req.name,
      control: req.control,
      resume: { from: req.resume.from },
      steps: req.options.steps,
      minutes: req.options.minutes,
    },
    hooks,
  );
  return { jobId: r.jobId, modelDir: r.modelDir, steps: r.steps, bestValLoss: r.bestValLoss, status: r.status, stopReason: r.stopReason };
}

/** the column choices of a CSV file (bad files throw a DataError with one clear line) */
export function inspectForecastCsv(file: string, wide?: boolean): ForecastColumns {
  if (!existsSync(file)) throw new DataError(`No such file: ${file}`);
  const table = asSeriesTable(parseCsvFile(file), wide);
  const plan = inspectColumns(table);
  let season: number | null = null;
  const col = table.columns.find((c) => c.name === plan.defaultTargets[0]);
  if (col?.values) {
    const v = Float64Array.from(col.values, (x) => (Number.isFinite(x) ? x : 0));
    season = detectSeason(v.subarray(0, Math.floor(v.length * 0.7)))?.period ?? null;
  }
  return {
    rows: table.rows,
    time: plan.time,
    numeric: plan.numeric,
    excluded: plan.excluded,
    defaultTargets: plan.defaultTargets,
    defaultFeatures: plan.defaultFeatures,
    season,
    wide: (() => {
      const w = detectWide(table);
      return w ? { yearColumn: w.yearColumn, per: w.per } : null;
    })(),
    notes: table.notes,
  };
}

/** MAE/RMSE/MAPE for arrays (re-exported for the bench and tests) */
export const forecastMetrics = metricsOf;
