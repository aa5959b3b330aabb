/**
 * `seqlab forecast train|predict`: CSV time-series forecasting from the command line.
 *   seqlab forecast train <file.csv> --target COL [--features COLS] [--window N] [--horizon N] [--cell lstm|gru]
 *                         [--hidden N] [--steps N|--minutes X] [--out DIR] [--json]
 *   seqlab forecast predict <model> <file.csv> [--steps N] [--write] [--json]
 * Training runs in the training worker (dist/worker.js); prediction goes through the model's model.onnx with
 * onnxruntime-node. Exit codes follow src/cli.ts: usage → 2 (commander), bad input → 1 with one line (DataError /
 * userFacing errors, mapped by cli.ts main()).
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { totalmem } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { DataError } from './data/errors';
import { regressionConfig } from './engine/config';
import { memoryProblem } from './engine/params';
import { RemoteError } from './protocol/rpc';
import type { ForecastReport, ForecastTrainRequest, TrainProgress } from './protocol/worker';
import { TrainingWorker } from './worker/client';
import { forecastModelName } from './protocol/model';
import { fmt, FORECAST_DEFAULTS, loadForecastData } from './worker/forecast';
import { predictForecast } from './worker/forecastPredict';

const int = (name: string, min = 1) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be a whole number >= ${min}`);
  return n;
};
const num = (name: string, lo: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < lo) throw new InvalidArgumentError(`${name} must be a number >= ${lo}`);
  return n;
};
const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);

const userFail = (m: string) => Object.assign(new DataError(m), { userFacing: true });
/** a usage error (exit 2, with the usage line), mapped by cli.ts main() */
const usageFail = (m: string) => Object.assign(new Error(m), { usage: 'seqlab forecast train <file.csv> --target COL [options]   (seqlab forecast train --help)' });

function uniqueDir(base: string): string {
  if (!existsSync(base)) return base;
  for (let i = 2; ; i++) if (!existsSync(`${base}-${i}`)) return `${base}-${i}`;
}

interface TrainOpts {
  target: string[]; features?: string[]; noFeatures?: boolean; time?: string; window?: number; horizon?: number; cell: 'lstm' | 'gru' | 'rnn';
  hidden?: number; layers?: number; steps?: number; minutes?: number; seed?: number; lr?: number; season?: number; out: string; name?: string; resume?: string;
  json?: boolean; progress?: boolean;
}

function csvFile(file: string): string {
  const p = resolve(file);
  if (!existsSync(p)) throw userFail(`no such file: ${file}`);
  if (statSync(p).isDirectory()) throw userFail(`${file} is a folder; give a CSV file`);
  return p;
}

/** the results table: the model and every baseline on the test part */
export function reportTable(r: ForecastReport): string {
  const rows: string[][] = [['', 'MAE', 'RMSE', 'MAPE']];
  const row = (name: string, m: { mae: number; rmse: number; mape: number | null }) => rows.push([name, fmt(m.mae), fmt(m.rmse), m.mape === null ? '–' : `${m.mape.toFixed(2)}%`]);
  row('model', r.model);
  for (const b of r.baselines) row(b.period ? `${b.name} (season ${b.period})` : b.name, b.metrics);
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((x) => x[i]!.length)));
  return rows.map((x) => x.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ')).join('\n');
}

async function train(file: string, o: TrainOpts): Promise<void> {
  const json = !!o.json;
  const path = csvFile(file);
  const resume = o.resume ? resolve(o.resume) : undefined;
  if (resume && !existsSync(join(resume, 'checkpoint.bin'))) throw userFail(`${o.resume} has no training checkpoint to resume`);
  const name = o.name ?? (resume ? basename(resume) : forecastModelName(file, o.target ?? [], o.cell));
  const outDir = resume ?? uniqueDir(resolve(o.out, name));
  // bad data fails here, before a worker starts or anything is written (a resume checks its data against the checkpoint)
  if (!resume) {
    const { fd, window } = loadForecastData({ file: path, targets: o.target, features: o.noFeatures ? [] : o.features, time: o.time, window: o.window, horizon: o.horizon });
    if ((o.layers ?? 1) > 4) throw usageFail('--layers must be from 1 to 4');
    const config = regressionConfig({ cell: o.cell, layers: o.layers ?? FORECAST_DEFAULTS.layers, hidden: o.hidden ?? FORECAST_DEFAULTS.hidden, features: fd.F, outputs: fd.K * fd.horizon });
    const memory = memoryProblem(config, Math.min(FORECAST_DEFAULTS.batch, fd.train.N), window, totalmem());
    if (memory) throw usageFail(memory);
  }
  const worker = new TrainingWorker(workerPath());
  const req: Omit<ForecastTrainRequest, 'control'> = {
    jobId: name, file: path, outDir, name, targets: o.target, features: o.noFeatures ? [] : o.features, time: o.time,
    window: o.window, horizon: o.horizon, cell: o.cell, hidden: o.hidden, layers: o.layers, lr: o.lr, seed: o.seed,
    steps: o.minutes !== undefined && o.steps === undefined ? 0 : o.steps, minutes: o.minutes, season: o.season,
    ...(resume ? { resume: { from: resume } } : {}),
  };
  let lastLine = 0;
  worker.on('train/progress', (p: TrainProgress) => {
    if (json) {
      process.stdout.write(JSON.stringify({ step: p.step, epoch: p.epoch, train_loss: round(p.trainLoss), ...(p.valLoss !== undefined ? { val_loss: round(p.valLoss) } : {}), elapsed_s: round(p.elapsedSec, 2) }) + '\n');
    } else if (o.progress !== false && Date.now() - lastLine > 1000) {
      lastLine = Date.now();
      process.stderr.write(`step ${p.step}${p.totalSteps ? `/${p.totalSteps}` : ''} loss ${p.trainLoss.toFixed(4)} val ${p.valLoss !== undefined ? p.valLoss.toFixed(4) : '--'}\n`);
    }
  });
  worker.on('train/log', (l) => { if (!json) process.stderr.write(`${l.level === 'info' ? '' : `${l.level}: `}${l.message}\n`); });
  const onSig = () => { worker.stop(); if (!json) process.stderr.write('\nstopping after this step (the best model is kept)…\n'); };
  process.once('SIGINT', onSig);
  try {
    const r = await worker.rpc.request('forecast/train', { ...req, control: worker.control });
    const rep = r.report;
    if (json) {
      process.stdout.write(JSON.stringify({
        done: true, model: r.modelDir, onnx: join(r.modelDir, 'model.onnx'), steps: r.steps, status: r.status, reason: r.stopReason,
        targets: rep.targets, features: rep.features, window: rep.window, horizon: rep.horizon,
        test: rep.model, baselines: rep.baselines, beats_persistence: rep.beatsPersistence, verdict: rep.verdict,
        intervals: { coverage: rep.intervals.coverage, test_coverage: rep.intervals.testCoverage },
      }) + '\n');
    } else {
      process.stdout.write(`${reportTable(rep)}\n\n${rep.verdict}\n${Math.round(rep.intervals.coverage * 100)}% prediction intervals cover ${rep.intervals.testCoverage === null ? '–' : `${(100 * rep.intervals.testCoverage).toFixed(0)}%`} of the test values.\nmodel: ${r.modelDir}\n`);
    }
  } catch (e) {
    if (e instanceof RemoteError && e.code === 'user') throw userFail(e.message);
    throw e;
  } finally {
    process.removeListener('SIGINT', onSig);
    await worker.terminate();
  }
}

function workerPath(): string {
  const p = join(__dirname, 'worker.js');
  if (!existsSync(p)) throw userFail(`the training worker is missing (${p}); run \`npm run build\``);
  return p;
}

function round(x: number, d = 5): number { const f = 10 ** d; return Math.round(x * f) / f; }

async function predict(model: string, file: string, o: { steps?: number; write?: boolean; json?: boolean }): Promise<void> {
  const dir = resolve(model);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw userFail(`no model folder at ${model}`);
  const r = await predictForecast({ modelDir: dir, file: csvFile(file), steps: o.steps, write: o.write });
  const K = r.targets.length;
  if (o.json) {
    const rows = r.labels.map((t, i) => {
      const row: Record<string, unknown> = { [r.timeColumn]: t };
      r.targets.forEach((name, k) => { row[name] = r.values[i * K + k]; row[`${name} lower`] = r.lower[i * K + k]; row[`${name} upper`] = r.upper[i * K + k]; });
      return row;
    });
    process.stdout.write(JSON.stringify({ targets: r.targets, coverage: r.coverage, forecast: rows, ...(r.written ? { written: r.written } : {}) }) + '\n');
    return;
  }
  const header = [r.timeColumn, ...r.targets.flatMap((n) => [n, `${n} lower`, `${n} upper`])];
  const lines = [header.join(',')];
  r.labels.forEach((t, i) => lines.push([t, ...r.targets.flatMap((_, k) => [r.values[i * K + k]!, r.lower[i * K + k]!, r.upper[i * K + k]!].map((x) => String(Number(x.toPrecision(8)))))].join(',')));
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
    .option('--steps <n>', 'steps to forecast (default: the model\'s horizon)', int('--steps'))
    .option('--write', 'also write the forecast as a new CSV beside the input (never overwrites)')
    .option('--json', 'print JSON')
    .action((model: string, file: string, o: { steps?: number; write?: boolean; json?: boolean }) => predict(model, file, o));
  return f;
}
