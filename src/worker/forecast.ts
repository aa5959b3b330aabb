/**
 * CSV time-series forecasting, end to end: CSV → series → prepareForecast (70/20/10, train-only z-score,
 * relative windows) → regression Model + Trainer (last-step MSE, early stopping on validation loss) → model folder:
 *
 *   card.json      kind regression, bestValLoss (MSE in the model's units), plus a `forecast` section (targets,
 *                  features, window, horizon, test metrics against the baselines, the plain-words verdict)
 *   checkpoint.bin everything for an exact resume; meta.forecast holds the ForecastSpec and the request
 *   model.onnx     parity-checked export; metadata seqlab.norm = the ForecastSpec (stats, deltaScale, …) + intervals
 *   forecast.json  the ForecastReport (what the forecast panel plots)
 *
 * and forecasting new data through the exported ONNX model with onnxruntime-node (`predictForecast`).
 * Used by the worker entry (main.ts), the CLI and tests. Bad input throws DataError (one user-facing line)
 * and writes nothing: every data check runs before the model folder is created.
 */
import { writeFinalOnnx } from './finalExport';
import { evaluateForecast } from './forecastReport';
import { checkpointOf, runSession } from './session';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { totalmem } from 'node:os';
import { basename, join } from 'node:path';
import { encodeCheckpoint, type Checkpoint } from '../engine/checkpoint';
import { type ModelConfig, regressionConfig } from '../engine/config';
import type { Kernels } from '../engine/kernels';
import { Model } from '../engine/model';
import { definedEntries, resolveOptions, type TrainOptions } from '../engine/options';
import { memoryProblem, paramCount } from '../engine/params';
import { Trainer } from '../engine/train';
import {
  asSeriesTable,
  buildSeries,
  detectWide,
  type ForecastData,
  type ForecastSpec,
  forecastSpec,
  parseCsvFile,
  prepareForecast,
  WindowBatcher,
} from '../data/csv';
import { DataError } from '../data/errors';
import { writeFileAtomic } from '../data/atomic';
import { writeCard } from '../data/card';
import { readCheckpoint } from '../data/modelFolder';
import { removeRunLock, writeRunLock } from '../data/runLock';
import { type ExportMeta, exportOnnx } from '../onnx/export';
import { CARD_FILE, CHECKPOINT_FILE, type ModelCard, ONNX_FILE } from '../protocol/model';
import type { ForecastMetrics, ForecastTrainRequest, ForecastTrainResult, TrainProgress } from '../protocol/worker';
import { stopRequested } from '../protocol/worker';

export const REPORT_FILE = 'forecast.json';

/** the card of a forecasting model: a ModelCard with a forecast section */
export interface ForecastCardSection {
  file: string;
  targets: string[];
  features: string[];
  timeColumn: string | null;
  window: number;
  horizon: number;
  rows: number;
  /** test metrics in original units */
  test: ForecastMetrics | null;
  baselines: { name: string; rmse: number; mae: number; mape: number | null; period?: number }[];
  beatsPersistence: boolean | null;
  verdict: string | null;
  coverage: number;
}
export type ForecastCard = ModelCard & { forecast: ForecastCardSection };

/** what the ONNX metadata seqlab.norm holds for a forecaster */
export interface ForecastNorm extends ForecastSpec {
  kind: 'forecast';
  intervals: { coverage: number; lower: number[]; upper: number[] } | null;
}

export interface ForecastHooks {
  progress?(p: TrainProgress): void;
  log?(level: 'info' | 'warn' | 'error', message: string): void;
  shouldStop?(): boolean;
  kernels?: Kernels;
  now?(): number;
  progressEveryMs?: number;
}

/** Defaults for a forecasting run: small and quick, stopped early by the validation loss. */
export const FORECAST_DEFAULTS = {
  window: 24,
  horizon: 1,
  cell: 'lstm' as const,
  layers: 1,
  hidden: 32,
  batch: 32,
  lr: 3e-3,
  steps: 1500,
  patience: 8,
  coverage: 0.9,
};

/** Keys of the request that define the data and the model; an exact resume takes them from the checkpoint. */
const FIXED_KEYS = [
  'file',
  'targets',
  'features',
  'time',
  'filter',
  'fill',
  'window',
  'horizon',
  'cell',
  'layers',
  'hidden',
  'batch',
  'seed',
  'season',
  'coverage',
] as const;

export type Settings = Omit<ForecastTrainRequest, 'jobId' | 'outDir' | 'name' | 'control' | 'resume'>;

/** Reads and checks the data of a request (no files written). */
export function loadForecastData(s: Settings): { fd: ForecastData; window: number; notes: string[] } {
  if (!existsSync(s.file)) throw new DataError(`No such file: ${s.file}`);
  const raw = parseCsvFile(s.file);
  const shape = detectWide(raw);
  if (shape && !s.wide && !s.targets?.length)
    throw new DataError(
      `${basename(s.file)} is a wide table (${shape.yearColumn} and ${shape.per === 12 ? '12 month' : '4 quarter'} columns): read it as one series (--wide, or "Read as one series" when asked), or choose a target column.`,
    );
  const table = asSeriesTable(raw, s.wide);
  const series = buildSeries(table, { time: s.time, targets: s.targets, features: s.features, fill: s.fill ?? 'interpolate', filter: s.filter });
  const notes = [...series.notes];
  const horizon = s.horizon ?? FORECAST_DEFAULTS.horizon;
  let window = s.window ?? FORECAST_DEFAULTS.window;
  // the default window shrinks to fit a short series (train part >= a few windows); an explicit one is kept
  if (s.window === undefined) {
    const trainRows = Math.floor(series.n * 0.7);
    const fit = Math.floor((trainRows - horizon) / 4);
    if (fit < window && fit >= 2) {
      window = fit;
      notes.push(`The series is short (${series.n} rows): window reduced to ${window}.`);
    }
  }
  const fd = prepareForecast(series, { window, horizon });
  const trainRows = fd.ranges.train[1] - fd.ranges.train[0];
  if (s.season && trainRows < s.season + horizon)
    throw new DataError(
      `The training part has ${trainRows} rows: a season of ${s.season} needs at least ${s.season + horizon} (one season plus the horizon of ${horizon}).`,
    );
  if (fd.val.N === 0)
    throw new DataError(
      `The validation part (${fd.ranges.val[1] - fd.ranges.val[0]} rows) holds no full window of ${window}+${horizon}: use a longer series or a smaller window.`,
    );
  if (fd.test.N === 0)
    throw new DataError(
      `The test part (${fd.ranges.test[1] - fd.ranges.test[0]} rows) is shorter than the horizon of ${horizon}: use a longer series or a smaller horizon.`,
    );
  return { fd, window, notes };
}

/** A forecasting run end to end; the run lock it writes in its folder is removed however it ends. */
export async function runForecastTraining(req: ForecastTrainRequest, hooks: ForecastHooks = {}): Promise<ForecastTrainResult> {
  try {
    return await forecastRun(req, hooks);
  } finally {
    removeRunLock(req.outDir, req.jobId);
  }
}

/** A forecasting run in named steps: settings → data → model and trainer → folder → train → evaluate and report. */
async function forecastRun(req: ForecastTrainRequest, hooks: ForecastHooks): Promise<ForecastTrainResult> {
  const log = hooks.log ?? (() => {});
  const now = hooks.now ?? (() => Date.now());
  const { ck, s } = forecastSettings(req);
  // ---- data (every check before anything is written)
  const { fd, window: W, notes } = loadForecastData(s);
  if (ck) {
    const rows = (ck.meta.forecast as { rows?: number }).rows;
    if (rows !== fd.series.n)
      throw new DataError(`The data changed since this run started (${rows} → ${fd.series.n} rows); an exact resume needs the same data.`);
  }
  const run = forecastTrainer(s, ck, fd, W, hooks);
  mkdirSync(req.outDir, { recursive: true });
  writeRunLock(req.outDir, req.jobId);
  const folder = forecastFolder(req, s, fd, W, run, now);
  folder.updateCard({});
  for (const n of notes) log('info', n);
  for (const e of fd.series.excluded) log('info', `left out ${e.name}: ${e.reason}`);
  for (const [c, n] of Object.entries(fd.series.filled)) log('info', `filled ${n} missing value${n === 1 ? '' : 's'} in ${c} (${fd.series.fill})`);
  const { config } = run,
    spec = folder.spec,
    K = fd.K;
  log(
    'info',
    `training ${req.name}: ${config.cell.toUpperCase()} ${config.layers}×${config.hidden}, ${folder.card.params.toLocaleString('en-US')} parameters; ` +
      `${fd.series.n} rows, target${K > 1 ? 's' : ''} ${spec.targets.join(', ')}${spec.features.length ? `, features ${spec.features.join(', ')}` : ''}; window ${W}, horizon ${fd.horizon}; ` +
      `${fd.train.N}/${fd.val.N}/${fd.test.N} train/validation/test windows`,
  );
  const result = runSession(run.trainer, {
    jobId: req.jobId,
    stepBase: run.stepBase,
    now,
    shouldStop: () => hooks.shouldStop?.() ?? stopRequested(req.control),
    progress: hooks.progress,
    progressEveryMs: hooks.progressEveryMs,
    saveCheckpoint: folder.saveCheckpoint,
    updateCard: folder.updateCard,
    writeOnnx: folder.writeOnnx,
  });
  const { report, scored, base, cmp } = evaluateForecast(s, fd, W, run, folder, notes);
  writeFileAtomic(join(req.outDir, REPORT_FILE), JSON.stringify(report) + '\n');
  // ---- final export, checked against onnxruntime
  await writeFinalOnnx(
    req.outDir,
    config,
    run.trainer.bestParams,
    folder.onnxMeta(),
    log,
    (reason) => folder.updateCard({ status: 'failed', stopReason: reason }),
    { T: Math.min(W, 16) },
  );
  const status = result.stop === 'cancelled' || result.stop === 'diverged' ? 'stopped' : 'complete';
  folder.updateCard({ status, stopReason: result.reason });
  log(
    'info',
    `test RMSE ${fmt(scored.metrics.rmse)} (MAE ${fmt(scored.metrics.mae)}${scored.metrics.mape === null ? '' : `, MAPE ${scored.metrics.mape.toFixed(2)}%`}); ` +
      base.results.map((r) => `${r.name} ${fmt(r.metrics.rmse)}`).join(', '),
  );
  log(cmp.beatsPersistence ? 'info' : 'warn', cmp.summary);
  return { jobId: req.jobId, modelDir: req.outDir, steps: result.steps, bestValLoss: result.bestValLoss, status, stopReason: result.reason, report };
}

/** The settings of this run: an exact resume takes the data and model keys from its checkpoint. */
function forecastSettings(req: ForecastTrainRequest): { ck: Checkpoint | null; s: Settings } {
  let ck: Checkpoint | null = null;
  let s: Settings = req;
  if (req.resume) {
    ck = readCheckpoint(req.resume.from);
    const m = ck.meta.forecast as { request?: Settings } | undefined;
    if (!m?.request || ck.config.kind !== 'regression') throw new DataError(`${req.resume.from} is not a forecasting model; it cannot be resumed as one.`);
    const keep = Object.fromEntries(FIXED_KEYS.map((k) => [k, m.request![k]]));
    s = { ...m.request, ...definedEntries(req), ...keep };
  }
  if (!req.resume || req.resume.from !== req.outDir) {
    if (existsSync(req.outDir) && readdirSync(req.outDir).some((f) => f === CARD_FILE || f === CHECKPOINT_FILE)) {
      throw new DataError(`A model already exists at ${req.outDir}; choose another name.`);
    }
  }
  return { ck, s };
}

export interface ForecastRunParts {
  opts: TrainOptions;
  config: ModelConfig;
  model: Model;
  trainer: Trainer;
  stepBase: number;
  B: number;
  O: number;
}

function forecastTrainer(s: Settings, ck: Checkpoint | null, fd: ForecastData, W: number, hooks: ForecastHooks): ForecastRunParts {
  const O = fd.K * fd.horizon;
  const B = Math.min(s.batch ?? FORECAST_DEFAULTS.batch, fd.train.N);
  const minutes = s.minutes ?? 0;
  const stepsIn = s.steps ?? (minutes > 0 ? 0 : FORECAST_DEFAULTS.steps);
  const evalEvery = s.evalEvery ?? Math.max(10, Math.min(100, Math.ceil(fd.train.N / B)));
  const opts: TrainOptions = resolveOptions({
    ...(ck ? ck.options : {}),
    cell: s.cell ?? FORECAST_DEFAULTS.cell,
    layers: s.layers ?? FORECAST_DEFAULTS.layers,
    hidden: s.hidden ?? FORECAST_DEFAULTS.hidden,
    batch: B,
    seq: W,
    lr: s.lr ?? FORECAST_DEFAULTS.lr,
    steps: stepsIn,
    minutes,
    seed: s.seed ?? 1,
    clip: 1,
    evalEvery,
    patience: s.patience ?? FORECAST_DEFAULTS.patience,
    sampleChars: 0,
    valFraction: 0.2,
    dropout: 0,
    evalBatches: 0,
  });
  const trainSrc = new WindowBatcher(fd.train, B, true, opts.seed);
  const valSrc = new WindowBatcher(fd.val, B, false);
  const config: ModelConfig = ck ? ck.config : regressionConfig({ cell: opts.cell, layers: opts.layers, hidden: opts.hidden, features: fd.F, outputs: O });
  if (config.features !== fd.F || config.outputs !== O) throw new DataError('The data no longer matches this model (different columns or horizon).');
  const memory = memoryProblem(config, B, W, totalmem());
  if (memory) throw new DataError(memory);
  const model = new Model(config, { kernels: hooks.kernels });
  const stepBase = ck ? ck.trainer.step : 0;
  const trainer = new Trainer(model, { ...opts, steps: opts.steps > 0 ? stepBase + opts.steps : 0 }, trainSrc, valSrc, { lastOnly: true, stateful: false });
  if (ck) {
    model.params.data.set(ck.params);
    trainer.optimizer.state.set(ck.optimizer);
    trainer.bestParams.set(ck.bestParams);
    trainer.restore(ck.trainer);
  } else trainer.init();
  return { opts, config, model, trainer, stepBase, B, O };
}

export interface ForecastFolder {
  card: ForecastCard;
  section: ForecastCardSection;
  spec: ReturnType<typeof forecastSpec>;
  coverage: number;
  intervals: ForecastNorm['intervals'];
  saveCheckpoint(): void;
  updateCard(patch: Partial<ForecastCard>): void;
  onnxMeta(): ExportMeta;
  writeOnnx(): void;
}

/** What the run writes in its folder: the card with its forecast section, the checkpoint, model.onnx (with the spec). */
function forecastFolder(req: ForecastTrainRequest, s: Settings, fd: ForecastData, W: number, run: ForecastRunParts, now: () => number): ForecastFolder {
  const { config, opts, trainer } = run;
  const outDir = req.outDir;
  const spec: ForecastSpec = { ...forecastSpec(fd), ...(s.wide ? { wide: true as const } : {}) };
  const coverage = s.coverage ?? FORECAST_DEFAULTS.coverage;
  const createdAt = new Date(now()).toISOString();
  const section: ForecastCardSection = {
    file: s.file,
    targets: spec.targets,
    features: spec.features,
    timeColumn: spec.timeColumn,
    window: W,
    horizon: fd.horizon,
    rows: fd.series.n,
    test: null,
    baselines: [],
    beatsPersistence: null,
    verdict: null,
    coverage,
  };
  const card: ForecastCard = {
    format: 2,
    name: req.name,
    origin: 'trained',
    status: 'training',
    config,
    params: paramCount(config),
    vocabSize: 0,
    data: { files: [s.file], chars: fd.series.n, bytes: 0 },
    steps: trainer.step,
    bestValLoss: trainer.bestValLoss,
    bestValBpc: null,
    trainSeconds: trainer.trainSeconds,
    createdAt,
    updatedAt: createdAt,
    options: { ...opts },
    stopReason: undefined,
    forecast: section,
  };
  const request: Settings = Object.fromEntries(Object.entries(s).filter(([k]) => !['jobId', 'outDir', 'name', 'control', 'resume'].includes(k))) as Settings;
  const meta = { forecast: { spec, request, rows: fd.series.n }, name: req.name };
  const folder: ForecastFolder = {
    card,
    section,
    spec,
    coverage,
    intervals: null,
    saveCheckpoint: () => {
      writeFileAtomic(join(outDir, CHECKPOINT_FILE), encodeCheckpoint(checkpointOf(trainer, config, opts, null, meta)));
    },
    updateCard: (patch) => {
      Object.assign(card, patch, {
        steps: trainer.step,
        bestValLoss: trainer.bestValLoss,
        trainSeconds: trainer.trainSeconds,
        updatedAt: new Date(now()).toISOString(),
      });
      writeCard(outDir, card);
    },
    onnxMeta: () => ({
      norm: { ...spec, kind: 'forecast', intervals: folder.intervals } satisfies ForecastNorm,
      card: { name: req.name, steps: trainer.bestStep, bestValLoss: trainer.bestValLoss, forecast: section },
    }),
    writeOnnx: () => writeFileAtomic(join(outDir, ONNX_FILE), exportOnnx(config, trainer.bestParams, folder.onnxMeta())),
  };
  return folder;
}

export function fmt(x: number): string {
  return Math.abs(x) >= 100 ? x.toFixed(1) : Math.abs(x) >= 1 ? x.toFixed(3) : x.toPrecision(3);
}
