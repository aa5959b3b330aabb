/**
 * "Forecast CSV…": the guided flow from a CSV file to a forecasting model. Quick picks (target column(s), features,
 * window, horizon, cell, budget) with sensible defaults, or an options object (tests, keybindings, "Train Model
 * on …" with a CSV file) that skips every prompt. The file is read and checked in a worker thread
 * ('forecast/inspect'), the run trains in another ('forecast/train') with a cancellable progress notification,
 * the model folder appears in the Models view, and the forecast panel opens on the results.
 * Bad input gets one clear message and writes nothing (all data checks run before the model folder exists).
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrainingService } from '../trainingService';
import { forecastModelName } from '../../protocol/model';
import { RemoteError } from '../../protocol/rpc';
import type { ForecastColumns, ForecastReport, ForecastTrainResult } from '../../protocol/worker';
import { TrainingWorker } from '../../worker/client';
import { log, showFailure, showInfo, showWarning } from '../log';
import type { ModelStore } from '../modelStore';
import { userError } from '../modelStore';

/** Options for seqlab.forecastCsv; any of them given (besides file) = no prompts. */
export interface ForecastArgs {
  file?: string | vscode.Uri;
  /** target column(s); `target` is a shorthand for one */
  targets?: string[];
  target?: string;
  /** extra input columns ([] = none; default: every other numeric column) */
  features?: string[];
  time?: string | null;
  /** read a wide table (a year column and 12 month or 4 quarter columns) as one series; asked when undefined */
  wide?: boolean;
  window?: number;
  horizon?: number;
  cell?: 'lstm' | 'gru';
  hidden?: number;
  steps?: number;
  minutes?: number;
  seed?: number;
  name?: string;
  /** open the forecast panel when the run ends (default true) */
  openPanel?: boolean;
  /** show the progress notification (default true) */
  notify?: boolean;
}

export interface ForecastOutcome {
  name?: string;
  modelDir?: string;
  result?: ForecastTrainResult;
  report?: ForecastReport;
  /** the message shown when the command failed */
  error?: string;
}

export interface FlowDeps {
  store: ModelStore;
  training: TrainingService;
  workerPath: string;
  openPanel(modelDir: string): Promise<unknown>;
}

const PROMPT_KEYS: (keyof ForecastArgs)[] = ['targets', 'target', 'features', 'window', 'horizon', 'cell', 'hidden', 'steps', 'minutes', 'name'];

export async function forecastCsv(deps: FlowDeps, a?: unknown, b?: unknown): Promise<ForecastOutcome | undefined> {
  try {
    return await runFlow(deps, a, b);
  } catch (e) {
    const err = e instanceof RemoteError && e.code === 'user' ? userError(e.message) : e;
    showFailure('', err);
    return { error: (err as Error).message };
  }
}

function toPath(f: string | vscode.Uri): string {
  const p = typeof f === 'string' ? f : f.fsPath;
  return path.isAbsolute(p) ? p : path.join(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '', p);
}

/** The CSV a forecast command is about: its argument (Explorer, options), the active editor's, or one picked. */
async function flowFile(a?: unknown, b?: unknown): Promise<{ file: string | undefined; args: ForecastArgs }> {
  let args: ForecastArgs = {};
  let file: string | undefined;
  if (a instanceof vscode.Uri) file = a.fsPath;
  else if (Array.isArray(b) && b[0] instanceof vscode.Uri) file = (b[0] as vscode.Uri).fsPath;
  else if (a && typeof a === 'object') {
    args = a as ForecastArgs;
    if (args.file) file = toPath(args.file);
  }
  if (!file) {
    const doc = vscode.window.activeTextEditor?.document;
    if (doc && doc.uri.scheme === 'file' && /\.(csv|tsv)$/i.test(doc.uri.fsPath)) file = doc.uri.fsPath;
  }
  if (!file) {
    const picked = await vscode.window.showOpenDialog({
      canSelectFiles: true,
      canSelectMany: false,
      filters: { CSV: ['csv', 'tsv', 'txt'] },
      openLabel: vscode.l10n.t('Forecast This'),
      title: vscode.l10n.t('Choose a CSV time series to forecast'),
      defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
    });
    file = picked?.[0]?.fsPath;
  }
  return { file, args };
}

async function runFlow(deps: FlowDeps, a?: unknown, b?: unknown): Promise<ForecastOutcome | undefined> {
  if (!vscode.workspace.isTrusted)
    throw userError(
      vscode.l10n.t(
        'This workspace is in Restricted Mode, so Sequence Lab does not load or write models in it: model files from an untrusted folder could be crafted to attack the loaders. Trust the workspace to use its models.',
      ),
    );
  const { file, args } = await flowFile(a, b);
  if (!file) return undefined;
  if (!existsSync(file)) throw userError(vscode.l10n.t('{0} does not exist.', file));
  const interactive = !PROMPT_KEYS.some((k) => args[k] !== undefined);

  // ---- read the columns in a worker (bad files fail here, before anything is written)
  let cols = await withWorker(deps.workerPath, (w) => w.rpc.request('forecast/inspect', { file }));
  const wide = args.wide ?? (cols.wide && interactive ? await askWide(file, cols.wide) : undefined);
  if (wide === null) return undefined;
  if (wide) cols = await withWorker(deps.workerPath, (w) => w.rpc.request('forecast/inspect', { file, wide: true }));
  let targets = args.targets ?? (args.target ? [args.target] : undefined);
  let features = args.features;
  let window = args.window;
  let horizon = args.horizon;
  let cell = args.cell;
  let steps = args.steps;
  let minutes = args.minutes;
  if (interactive) {
    const picked = await promptSettings(cols, path.basename(file));
    if (!picked) return undefined;
    ({ targets, features, window, horizon, cell, steps, minutes } = picked);
  }
  targets = targets ?? cols.defaultTargets;
  cell = cell ?? 'lstm';
  const base = args.name ?? forecastModelName(file, targets, cell);
  const name = deps.store.freeName(base);
  const outDir = deps.store.dirFor(name);
  if (deps.store.exists(name)) throw userError(vscode.l10n.t('A model named "{0}" already exists.', name));

  // ---- train: a run of the training service, queued and limited like every other, with its notification
  log().info(`[${name}] forecasting ${targets.join(', ')} from ${file} → ${outDir}`);
  const job = deps.training.start({
    name,
    outDir,
    sources: { files: [file] },
    options: {},
    notify: args.notify,
    forecast: {
      file,
      targets,
      features,
      time: args.time,
      ...(wide ? { wide: true } : {}),
      window,
      horizon,
      cell,
      hidden: args.hidden,
      steps: minutes !== undefined && steps === undefined ? 0 : steps,
      minutes,
      seed: args.seed,
    },
  });
  deps.store.fire();
  try {
    const result = (await job.done) as ForecastTrainResult;
    const r = result.report;
    log().info(`[${name}] ${result.status}: ${result.stopReason}; test RMSE ${r.model.rmse.toPrecision(4)}; ${r.verdict}`);
    if (args.openPanel !== false) await deps.openPanel(outDir);
    const msg = vscode.l10n.t('Forecaster "{0}" trained: test RMSE {1}. {2}', name, r.model.rmse.toPrecision(4), verdictText(r));
    if (r.beatsPersistence) void showInfo(msg);
    else void showWarning(msg);
    return { name, modelDir: outDir, result, report: r };
  } finally {
    deps.store.fire();
  }
}

export function verdictText(r: ForecastReport): string {
  const auto = r.auto;
  const score = auto && (auto.by === 'MASE' && auto.test.mase != null ? auto.test.mase : auto.test.rmse);
  const autoText = auto
    ? ' ' + vscode.l10n.t('Auto (chosen on the validation windows): {0}, test {1} {2}.', autoName(auto.choice), auto.by, score!.toPrecision(4))
    : '';
  return methodVerdict(r) + autoText;
}

function autoName(choice: string): string {
  if (choice === 'model') return vscode.l10n.t('the model');
  const m = /^ensemble of (.*)$/.exec(choice);
  if (m)
    return vscode.l10n.t(
      'the mean of {0}',
      m[1]!
        .split(', ')
        .map((n) => (n === 'model' ? vscode.l10n.t('the model') : baselineName(n)))
        .join(', '),
    );
  return baselineName(choice);
}

function methodVerdict(r: ForecastReport): string {
  const by = r.verdictBy ?? 'RMSE';
  const score = (m: ForecastReport['model']) => (by === 'MASE' && m.mase != null ? m.mase : m.rmse);
  const pers = r.baselines.find((x) => x.name === 'persistence');
  const best = r.baselines.reduce((x, y) => (score(y.metrics) < score(x.metrics) ? y : x), r.baselines[0]!);
  const v = (x: number) => x.toPrecision(4);
  if (r.beatsAll)
    return vscode.l10n.t(
      'It is the best method on the test windows ({0} {1}; best baseline: {2}, {3}).',
      by,
      v(score(r.model)),
      baselineName(best.name),
      v(score(best.metrics)),
    );
  if (!r.beatsPersistence)
    return vscode.l10n.t(
      'The {0} baseline is the best method ({1} {2}); the model does not beat persistence ({3}). Use the baseline.',
      baselineName(best.name),
      by,
      v(score(best.metrics)),
      pers ? v(score(pers.metrics)) : '?',
    );
  return vscode.l10n.t(
    'It beats persistence, but the {0} baseline is the best method ({1} {2} against {3}).',
    baselineName(best.name),
    by,
    v(score(best.metrics)),
    v(score(r.model)),
  );
}

export function baselineName(n: string): string {
  switch (n) {
    case 'persistence':
      return vscode.l10n.t('persistence');
    case 'drift':
      return vscode.l10n.t('drift');
    case 'seasonal naive':
      return vscode.l10n.t('seasonal naive');
    case 'training mean':
      return vscode.l10n.t('training mean');
    case 'ETS':
      return vscode.l10n.t('ETS');
    case 'Theta':
      return vscode.l10n.t('Theta');
    default:
      return n;
  }
}

/** a wide table: read it as one series? (null: the user dismissed the question) */
async function askWide(file: string, shape: NonNullable<ForecastColumns['wide']>): Promise<boolean | null> {
  const one = vscode.l10n.t('Read as one series');
  const kind = shape.per === 12 ? vscode.l10n.t('monthly') : vscode.l10n.t('quarterly');
  const pick = await vscode.window.showQuickPick([one, vscode.l10n.t('Use the columns as they are')], {
    title: vscode.l10n.t(
      '{0} looks like a wide table: one row per {1}, one column per period. Read it as one {2} series?',
      path.basename(file),
      shape.yearColumn,
      kind,
    ),
    ignoreFocusOut: true,
  });
  return pick === undefined ? null : pick === one;
}

async function withWorker<T>(workerPath: string, fn: (w: TrainingWorker) => Promise<T>): Promise<T> {
  if (!existsSync(workerPath)) throw new Error(vscode.l10n.t('The training worker is missing ({0}). Rebuild the extension.', workerPath));
  const w = new TrainingWorker(workerPath);
  try {
    return await fn(w);
  } finally {
    await w.terminate();
  }
}

/** one-shot forecast through the model's ONNX file, in a worker thread */
export function predictInWorker(workerPath: string, modelDir: string, file: string, steps: number, write: boolean, method?: string) {
  return withWorker(workerPath, (w) =>
    w.rpc.request('forecast/predict', { modelDir, file, steps, write, ...(method && method !== 'model' ? { method } : {}) }),
  );
}

interface Picked {
  targets: string[];
  features: string[];
  window: number;
  horizon: number;
  cell: 'lstm' | 'gru';
  steps?: number;
  minutes?: number;
}

async function promptSettings(cols: ForecastColumns, fileName: string): Promise<Picked | undefined> {
  const excluded = cols.excluded.length ? vscode.l10n.t('Left out: {0}', cols.excluded.map((e) => `${e.name} (${e.reason})`).join('; ')) : undefined;
  const timeNote = cols.time.column ? vscode.l10n.t('time column: {0}', cols.time.column) : vscode.l10n.t('no time column: row order is the time');
  // targets
  const tItems = cols.numeric.map((n) => ({ label: n, picked: cols.defaultTargets.includes(n) }));
  const tPick = await vscode.window.showQuickPick(tItems, {
    canPickMany: true,
    title: vscode.l10n.t('Forecast {0}: what to predict ({1} rows, {2})', fileName, cols.rows, timeNote),
    placeHolder: excluded ?? vscode.l10n.t('Choose the target column(s)'),
    ignoreFocusOut: true,
  });
  if (!tPick || tPick.length === 0) return undefined;
  const targets = tPick.map((x) => x.label);
  // features
  const rest = cols.numeric.filter((n) => !targets.includes(n));
  let features: string[] = [];
  if (rest.length) {
    const fPick = await vscode.window.showQuickPick(
      rest.map((n) => ({ label: n, picked: false })),
      {
        canPickMany: true,
        title: vscode.l10n.t('Extra input columns (optional)'),
        ignoreFocusOut: true,
        placeHolder: vscode.l10n.t('Columns the model also reads. With none, it can forecast further than its horizon.'),
      },
    );
    if (!fPick) return undefined;
    features = fPick.map((x) => x.label);
  }
  // window
  const s = cols.season;
  const maxW = Math.max(2, Math.floor((cols.rows * 0.7 - 1) / 4));
  const wSet = new Set([s && s * 2 <= maxW ? s * 2 : 0, 12, 24, 48, s && s <= maxW ? s : 0].filter((x) => x > 0 && x <= maxW));
  if (wSet.size === 0) wSet.add(maxW);
  const wItems = [...wSet].map((w, i) => ({
    label: String(w),
    description: i === 0 ? vscode.l10n.t('recommended') : s && w % s === 0 ? vscode.l10n.t('{0} seasons', w / s) : '',
  }));
  const wPick = await vscode.window.showQuickPick(wItems, {
    title: vscode.l10n.t('Lookback window (rows the model reads)'),
    ignoreFocusOut: true,
    placeHolder: s ? vscode.l10n.t('Detected season: {0} rows', s) : undefined,
  });
  if (!wPick) return undefined;
  // horizon
  const hItems = [1, 3, 7, 12, 24]
    .filter((h) => h * 8 < cols.rows)
    .map((h) => ({ label: String(h), description: h === 1 ? vscode.l10n.t('one step ahead') : '' }));
  const hPick = await vscode.window.showQuickPick(hItems, { title: vscode.l10n.t('Horizon (steps predicted at once)'), ignoreFocusOut: true });
  if (!hPick) return undefined;
  // cell
  const cPick = await vscode.window.showQuickPick(
    [
      { label: 'LSTM', cell: 'lstm' as const, description: vscode.l10n.t('recommended') },
      { label: 'GRU', cell: 'gru' as const, description: vscode.l10n.t('fewer parameters, often as good') },
    ],
    { title: vscode.l10n.t('Recurrent cell'), ignoreFocusOut: true },
  );
  if (!cPick) return undefined;
  // budget
  const bPick = await vscode.window.showQuickPick(
    [
      {
        label: vscode.l10n.t('Until validation stops improving (at most 1500 steps)'),
        steps: 1500 as number | undefined,
        minutes: undefined as number | undefined,
      },
      { label: vscode.l10n.t('Quick: 300 steps'), steps: 300, minutes: undefined },
      { label: vscode.l10n.t('2 minutes'), steps: undefined, minutes: 2 },
      { label: vscode.l10n.t('10 minutes'), steps: undefined, minutes: 10 },
    ],
    { title: vscode.l10n.t('Training budget (early stopping on validation loss always applies)'), ignoreFocusOut: true },
  );
  if (!bPick) return undefined;
  return { targets, features, window: Number(wPick.label), horizon: Number(hPick.label), cell: cPick.cell, steps: bPick.steps, minutes: bPick.minutes };
}
