/**
 * Host ↔ training-worker boundary (used by the extension host and the CLI alike).
 * The worker is dist/worker.js, a worker_threads worker; see src/worker/main.ts.
 */
import type { TrainOptions } from '../engine/options';
import type { ModelStatus } from './model';
import { Rpc } from './rpc';

export interface TrainSources {
  /** files and/or directories */
  files?: string[];
  /** inline text (the editor selection); `label` names it in the card */
  text?: string;
  label?: string;
}

export interface TrainRequest {
  jobId: string;
  sources: TrainSources;
  /** the model folder to write (created; must not already hold a different model unless resuming into it) */
  outDir: string;
  name: string;
  /** 'exact': continue a run with its own data position and state; 'finetune': keep weights + vocabulary, new data */
  resume?: { from: string; mode: 'exact' | 'finetune' };
  options: Partial<TrainOptions>;
  /** kernel threads for this run (1 = the worker thread only; more adds helper threads on shared memory); speed only, never the math */
  threads?: number;
  /**
   * The training loop is synchronous inside the worker, so stopping goes through shared memory, not a message:
   * Int32Array(control)[0] = 1 asks the run to stop after the current step (it keeps its best checkpoint).
   * Make it with `createControl()`, stop with `requestStop(control)`.
   */
  control: SharedArrayBuffer;
}

export function createControl(): SharedArrayBuffer {
  return new SharedArrayBuffer(4);
}
export function requestStop(control: SharedArrayBuffer): void {
  Atomics.store(new Int32Array(control), 0, 1);
}
export function stopRequested(control: SharedArrayBuffer): boolean {
  return Atomics.load(new Int32Array(control), 0) !== 0;
}

export interface TrainProgress {
  jobId: string;
  step: number;
  /** null when the run is time-bounded or open-ended */
  totalSteps: number | null;
  epoch: number;
  /** nats/char (char models) or MSE (regression) */
  trainLoss: number;
  valLoss?: number;
  bestValLoss?: number;
  charsPerSec: number;
  etaSec: number | null;
  gradNorm: number;
  lr: number;
  elapsedSec: number;
}

export interface TrainResult {
  jobId: string;
  modelDir: string;
  steps: number;
  bestValLoss: number | null;
  status: ModelStatus;
  stopReason: string;
}

export type WorkerRequests = {
  'train/start': [TrainRequest, TrainResult];
  'forecast/train': [ForecastTrainRequest, ForecastTrainResult];
  'forecast/predict': [ForecastPredictRequest, ForecastPredictResult];
  'forecast/inspect': [{ file: string; wide?: boolean }, ForecastColumns];
};
export type WorkerEvents = {
  'train/progress': TrainProgress;
  'train/sample': { jobId: string; step: number; text: string };
  'train/log': { jobId: string; level: 'info' | 'warn' | 'error'; message: string };
};

/** The host side: sends WorkerRequests, receives WorkerEvents. */
export type HostToWorkerRpc = Rpc<WorkerRequests, Record<string, never>, Record<string, never>, WorkerEvents>;
/** The worker side. */
export type WorkerToHostRpc = Rpc<Record<string, never>, WorkerEvents, WorkerRequests, Record<string, never>>;

// ---- CSV time-series forecasting: src/worker/forecast.ts

/** One forecasting run: a CSV file → a regression model folder (card.json with a `forecast` section, checkpoint.bin, model.onnx, forecast.json). */
export interface ForecastTrainRequest {
  jobId: string;
  /** the CSV file */
  file: string;
  outDir: string;
  name: string;
  /** target column(s); default: the detected one */
  targets?: string[];
  /** extra input columns; default: every other usable numeric column ([] = none) */
  features?: string[];
  /** time column name, null = row order, undefined = detect */
  time?: string | null;
  /** long-format files: keep the rows where column = value */
  filter?: { column: string; value: string };
  fill?: 'interpolate' | 'ffill';
  /** lookback window (default 24, reduced to fit short series) */
  window?: number;
  /** steps ahead predicted at once (default 1) */
  horizon?: number;
  /** season for the seasonal-naive baseline: a number of steps, null = none, undefined = detect */
  season?: number | null;
  /** read a wide table (a year column, 12 month or 4 quarter columns) as one series (data/csv/wide.ts) */
  wide?: boolean;
  /** interval coverage (default 0.9) */
  coverage?: number;
  cell?: 'lstm' | 'gru' | 'rnn';
  layers?: number;
  hidden?: number;
  batch?: number;
  lr?: number;
  /** step budget (default 1500); with `minutes` only, 0 */
  steps?: number;
  minutes?: number;
  seed?: number;
  evalEvery?: number;
  /** early stopping: evaluations without improvement (default 8) */
  patience?: number;
  /** continue a run exactly (same file, same settings) */
  resume?: { from: string };
  /** Int32Array(control)[0] = 1 asks the run to stop (see createControl) */
  control: SharedArrayBuffer;
}

export interface ForecastMetrics {
  mae: number;
  rmse: number;
  mape: number | null;
  /** symmetric MAPE in percent (absent in reports written before it existed) */
  smape?: number | null;
  /** MAE scaled by the training part's in-sample seasonal-naive MAE (one target only) */
  mase?: number | null;
  count: number;
}

/** what forecast.json holds (and the result carries): everything the forecast panel shows */
export interface ForecastReport {
  file: string;
  targets: string[];
  features: string[];
  timeColumn: string | null;
  timeKind: 'date' | 'index' | 'row';
  window: number;
  horizon: number;
  rows: number;
  split: { train: [number, number]; val: [number, number]; test: [number, number] };
  filled: Record<string, number>;
  excluded: { name: string; reason: string }[];
  notes: string[];
  season: { period: number; detected: boolean } | null;
  /** the frequency inferred from the time column ('other' when it has none) */
  frequency?: string;
  /** test-part metrics in original units, over every target and horizon step */
  model: ForecastMetrics;
  baselines: { name: string; metrics: ForecastMetrics; period?: number }[];
  beatsPersistence: boolean;
  beatsAll: boolean;
  /** the best method on the test windows ('model', or a baseline's name), by `verdictBy` */
  best?: string;
  verdictBy?: 'MASE' | 'RMSE';
  /** MAE at each horizon step on the test windows, per method ('model' first), and the MASE scale (null: none) */
  perHorizon?: { name: string; mae: number[] }[];
  maseScale?: number | null;
  /** Auto: the method (or ensemble) with the best validation score, and its test metrics */
  auto?: { choice: string; by: 'MASE' | 'RMSE'; test: ForecastMetrics };
  /** plain words; says so when the model does not beat persistence */
  verdict: string;
  /** prediction intervals from validation residual quantiles: per output (h*K+k), added to a prediction */
  intervals: { coverage: number; lower: number[]; upper: number[]; testCoverage: number | null; staticCoverage?: number | null };
  /** the plot: time (epoch ms / index / row) and target 0 for every row (at most ~4000 points, evenly thinned) */
  history: { t: number[]; y: number[] };
  /** one-step-ahead test predictions of target 0 (horizon step 1), with the interval */
  test: { t: number[]; actual: number[]; pred: number[]; lower: number[]; upper: number[] };
}

/** a training run's result, with the forecaster's report */
export interface ForecastTrainResult extends TrainResult {
  report: ForecastReport;
}

export interface ForecastPredictRequest {
  modelDir: string;
  file: string;
  /** steps to forecast (default: the model's horizon); beyond the horizon the model feeds its own forecasts back (targets-only models) */
  steps?: number;
  /** write the forecast as a new CSV beside `file` (never overwrites) */
  write?: boolean;
  /** forecast with a baseline instead of the model ('ETS', 'Theta', 'seasonal naive', 'drift', 'persistence'), fitted on `file` */
  method?: string;
}

export interface ForecastPredictResult {
  targets: string[];
  timeColumn: string;
  timeKind: 'date' | 'index' | 'row';
  /** (steps) time values and formatted times */
  times: number[];
  labels: string[];
  /** (steps, K) forecasts and interval bounds in original units */
  values: number[];
  lower: number[];
  upper: number[];
  coverage: number;
  /** the method that forecast: 'model' or a baseline's name (a baseline's forecast has no interval: lower = upper = the value) */
  method: string;
  /** the CSV written (write: true) */
  written?: string;
}

/** the column choices of a CSV file, for the guided flow's quick picks */
export interface ForecastColumns {
  rows: number;
  time: { column: string | null; kind: 'date' | 'index' | 'row'; reason: string };
  numeric: string[];
  excluded: { name: string; reason: string }[];
  defaultTargets: string[];
  defaultFeatures: string[];
  /** detected season of the default target (steps), or null */
  season: number | null;
  /** the table is wide (a year column and one column per month or quarter): offer to read it as one series */
  wide?: { yearColumn: string; per: 12 | 4 } | null;
  notes: string[];
}
