/**
 * `seqlab forecast train|predict`: CSV time-series forecasting from the command line.
 *   seqlab forecast train <file.csv> --target COL [--features COLS] [--window N] [--horizon N] [--cell lstm|gru]
 *                         [--hidden N] [--steps N|--minutes X] [--season N] [--wide] [--out DIR] [--json]
 *   seqlab forecast predict <model> <file.csv> [--steps N] [--method NAME] [--write] [--json]
 * Training runs in the training worker (dist/worker.js); prediction goes through the model's model.onnx with
 * onnxruntime-node. Exit codes as every command's (cli/common.ts): usage → 2, bad input → 1 with one line.
 */
import { type Command, Option } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { totalmem } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { regressionConfig } from '../engine/config';
import { memoryProblem } from '../engine/params';
import { CHECKPOINT_FILE, forecastModelName, ONNX_FILE } from '../protocol/model';
import type { ForecastTrainRequest, ForecastTrainResult, ForecastReport, TrainProgress } from '../protocol/worker';
import { fmt, FORECAST_DEFAULTS, loadForecastData } from '../worker/forecast';
import { predictForecast } from '../worker/forecastPredict';
import { int, list, num, round, uniqueDir, UsageError, UserError, withTrainingWorker } from './common';

const USAGE = 'seqlab forecast train <file.csv> --target COL [options]   (seqlab forecast train --help)';

interface TrainOpts {
  target: string[];
  features?: string[];
  noFeatures?: boolean;
  time?: string;
  window?: number;
  horizon?: number;
  cell: 'lstm' | 'gru' | 'rnn';
  hidden?: number;
  layers?: number;
  steps?: number;
  minutes?: number;
  seed?: number;
  lr?: number;
  season?: number;
  wide?: boolean;
  out: string;
  name?: string;
  resume?: string;
  json?: boolean;
  progress?: boolean;
}

function csvFile(file: string): string {
  const p = resolve(file);
  if (!existsSync(p)) throw new UserError(`no such file: ${file}`);
  if (statSync(p).isDirectory()) throw new UserError(`${file} is a folder; give a CSV file`);
  return p;
}

/** the results table: the model and every baseline on the test part */
export function reportTable(r: ForecastReport): string {
  const rows: string[][] = [['', 'MAE', 'RMSE', 'MAPE', 'sMAPE', 'MASE']];
  const pc = (x: number | null | undefined) => (x === null || x === undefined ? '–' : `${x.toFixed(2)}%`);
  const row = (name: string, m: ForecastReport['model']) =>
    rows.push([name, fmt(m.mae), fmt(m.rmse), pc(m.mape), pc(m.smape), m.mase === null || m.mase === undefined ? '–' : m.mase.toFixed(3)]);
  row('model', r.model);
  for (const b of r.baselines) row(b.period ? `${b.name} (season ${b.period})` : b.name, b.metrics);
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((x) => x[i]!.length)));
  return rows.map((x) => x.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ')).join('\n');
}

async function train(file: string, o: TrainOpts): Promise<void> {
  const json = !!o.json;
  const path = csvFile(file);
  const resume = o.resume ? resolve(o.resume) : undefined;
  if (resume && !existsSync(join(resume, CHECKPOINT_FILE))) throw new UserError(`${o.resume} has no training checkpoint to resume`);
  const name = o.name ?? (resume ? basename(resume) : forecastModelName(file, o.target ?? [], o.cell));
  const outDir = resume ?? uniqueDir(resolve(o.out, name));
  // bad data fails here, before a worker starts or anything is written (a resume checks its data against the checkpoint)
  if (!resume) checkData(path, o);
  const req: Omit<ForecastTrainRequest, 'control'> = {
    ...{ jobId: name, file: path, outDir, name, targets: o.target, features: o.noFeatures ? [] : o.features, time: o.time },
    ...{ window: o.window, horizon: o.horizon, cell: o.cell, hidden: o.hidden, layers: o.layers, lr: o.lr, seed: o.seed },
    ...{ steps: o.minutes !== undefined && o.steps === undefined ? 0 : o.steps, minutes: o.minutes, season: o.season, ...(o.wide ? { wide: true } : {}) },
    ...(resume ? { resume: { from: resume } } : {}),
  };
  let lastLine = 0;
  const progress = (p: TrainProgress) => {
    if (json) {
      const val = p.valLoss !== undefined ? { val_loss: round(p.valLoss, 5) } : {};
      process.stdout.write(
        JSON.stringify({ step: p.step, epoch: p.epoch, train_loss: round(p.trainLoss, 5), ...val, elapsed_s: round(p.elapsedSec, 2) }) + '\n',
      );
    } else if (o.progress !== false && Date.now() - lastLine > 1000) {
      lastLine = Date.now();
      const val = p.valLoss !== undefined ? p.valLoss.toFixed(4) : '--';
      process.stderr.write(`step ${p.step}${p.totalSteps ? `/${p.totalSteps}` : ''} loss ${p.trainLoss.toFixed(4)} val ${val}\n`);
    }
  };
  const r = await withTrainingWorker(json, (worker) => {
    worker.on('train/progress', progress);
    return worker.rpc.request('forecast/train', { ...req, control: worker.control });
  });
  printResult(r, json);
}

/** Read the data and size the model as the worker will, so bad input and absurd sizes fail before anything starts. */
function checkData(path: string, o: TrainOpts): void {
  const { fd, window } = loadForecastData({
    file: path,
    targets: o.target,
    features: o.noFeatures ? [] : o.features,
    time: o.time,
    window: o.window,
    horizon: o.horizon,
  });
  if ((o.layers ?? 1) > 4) throw new UsageError('--layers must be from 1 to 4', USAGE);
  const config = regressionConfig({
    cell: o.cell,
    layers: o.layers ?? FORECAST_DEFAULTS.layers,
    hidden: o.hidden ?? FORECAST_DEFAULTS.hidden,
    features: fd.F,
    outputs: fd.K * fd.horizon,
  });
  const memory = memoryProblem(config, Math.min(FORECAST_DEFAULTS.batch, fd.train.N), window, totalmem());
  if (memory) throw new UsageError(memory, USAGE);
}

function printResult(r: ForecastTrainResult, json: boolean): void {
  const rep = r.report;
  if (json) {
    const run = { done: true, model: r.modelDir, onnx: join(r.modelDir, ONNX_FILE), steps: r.steps, status: r.status, reason: r.stopReason };
    const shape = { targets: rep.targets, features: rep.features, window: rep.window, horizon: rep.horizon };
    const intervals = { coverage: rep.intervals.coverage, test_coverage: rep.intervals.testCoverage, static_coverage: rep.intervals.staticCoverage ?? null };
    const scores = {
      frequency: rep.frequency ?? null,
      season: rep.season?.period ?? null,
      test: rep.model,
      baselines: rep.baselines,
      best: rep.best ?? null,
      auto: rep.auto ?? null,
      per_horizon: rep.perHorizon?.map((m) => ({ name: m.name, mae: m.mae, mase: rep.maseScale ? m.mae.map((v) => v / rep.maseScale!) : null })) ?? null,
      verdict_by: rep.verdictBy ?? null,
      beats_persistence: rep.beatsPersistence,
      verdict: rep.verdict,
      intervals,
    };
    process.stdout.write(JSON.stringify({ ...run, ...shape, ...scores }) + '\n');
    return;
  }
  const covered = rep.intervals.testCoverage === null ? '–' : `${(100 * rep.intervals.testCoverage).toFixed(0)}%`;
  const intervals = `${Math.round(rep.intervals.coverage * 100)}% prediction intervals (adaptive conformal) cover ${covered} of the test values.`;
  process.stdout.write(`${reportTable(rep)}\n\n${rep.verdict}\n${intervals}\nmodel: ${r.modelDir}\n`);
}

async function predict(model: string, file: string, o: { steps?: number; write?: boolean; json?: boolean; method?: string }): Promise<void> {
  const dir = resolve(model);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UserError(`no model folder at ${model}`);
  const r = await predictForecast({ modelDir: dir, file: csvFile(file), steps: o.steps, write: o.write, ...(o.method ? { method: o.method } : {}) });
  const K = r.targets.length;
  if (o.json) {
    const rows = r.labels.map((t, i) => {
      const row: Record<string, unknown> = { [r.timeColumn]: t };
      r.targets.forEach((name, k) => {
        row[name] = r.values[i * K + k];
        row[`${name} lower`] = r.lower[i * K + k];
        row[`${name} upper`] = r.upper[i * K + k];
      });
      return row;
    });
    process.stdout.write(
      JSON.stringify({ targets: r.targets, method: r.method, coverage: r.coverage, forecast: rows, ...(r.written ? { written: r.written } : {}) }) + '\n',
    );
    return;
  }
  const header = [r.timeColumn, ...r.targets.flatMap((n) => [n, `${n} lower`, `${n} upper`])];
  const lines = [header.join(',')];
  r.labels.forEach((t, i) =>
    lines.push(
      [t, ...r.targets.flatMap((_, k) => [r.values[i * K + k]!, r.lower[i * K + k]!, r.upper[i * K + k]!].map((x) => String(Number(x.toPrecision(8)))))].join(
        ',',
      ),
    ),
  );
  process.stdout.write(lines.join('\n') + '\n');
  if (r.written) process.stderr.write(`written: ${r.written}\n`);
}

/** adds `forecast train` and `forecast predict` to the program */
export function addForecastCommands(program: Command): Command {
  const f = program.command('forecast').description('forecast CSV time series with an LSTM / GRU (train, predict)');
  f.command('train')
    .description('train a forecasting model on a CSV time series; prints test MAE / RMSE / MAPE against the baselines')
    .argument('<file>', 'CSV file')
    .option('--target <cols>', 'target column(s), comma-separated (required, except with --resume)', list)
    .option('--features <cols>', 'extra input columns, comma-separated (default: every other numeric column)', list)
    .option('--no-features', 'no extra input columns (targets only; allows forecasting beyond the horizon)')
    .option('--time <col>', 'time column (default: detected)')
    .option('--window <n>', `lookback window (default ${FORECAST_DEFAULTS.window})`, int('--window'))
    .option('--horizon <n>', 'steps predicted at once (default 1)', int('--horizon'))
    .addOption(new Option('--cell <cell>', 'recurrent cell').choices(['lstm', 'gru', 'rnn']).default('lstm'))
    .option('--hidden <n>', `hidden size (default ${FORECAST_DEFAULTS.hidden})`, int('--hidden'))
    .option('--layers <n>', 'layers (1-4)', int('--layers'))
    .option('--lr <x>', `learning rate (default ${FORECAST_DEFAULTS.lr})`, num('--lr', 1e-9))
    .option('--steps <n>', `training steps (default ${FORECAST_DEFAULTS.steps}; early stopping ends sooner)`, int('--steps'))
    .option('--minutes <x>', 'time budget in minutes', num('--minutes', 0.001))
    .option('--season <n>', 'season for the seasonal-naive baseline (default: detected)', int('--season'))
    .option('--wide', 'read a wide table (a year column, 12 month or 4 quarter columns) as one series')
    .option('--seed <n>', 'random seed', int('--seed', 0))
    .option('--out <dir>', 'folder for model folders', '.seqlab/models')
    .option('--name <name>', 'model name')
    .option('--resume <dir>', 'continue a forecasting model exactly where it stopped (same file and settings)')
    .option('--no-progress', 'no progress lines')
    .option('--json', 'JSON lines (progress, then the result)')
    .action((file: string, o: TrainOpts & { features?: string[] | false }, cmd: Command) => {
      if (!o.target && !o.resume) cmd.error("error: required option '--target <cols>' not specified");
      const noFeatures = o.features === false;
      return train(file, { ...o, target: o.target ?? [], features: noFeatures ? undefined : o.features || undefined, noFeatures });
    });
  f.command('predict')
    .description('forecast the next steps after the end of a CSV file with a trained model (ONNX, onnxruntime)')
    .argument('<model>', 'model folder')
    .argument('<file>', 'CSV file with the same columns')
    .option('--steps <n>', "steps to forecast (default: the model's horizon)", int('--steps'))
    .option('--write', 'also write the forecast as a new CSV beside the input (never overwrites)')
    .option('--json', 'print JSON')
    .option('--method <name>', 'forecast with a baseline instead of the model: ETS, Theta, seasonal naive, drift or persistence')
    .action((model: string, file: string, o: { steps?: number; write?: boolean; json?: boolean; method?: string }) => predict(model, file, o));
  return f;
}
