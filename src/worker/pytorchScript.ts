/**
 * `seqlab export-pytorch`: a recipe (*.seqlab.json) or a model folder → one self-contained PyTorch training script
 * (DDP under torchrun) that does our engine's job at scale and brings back an ONNX file `seqlab import` reads.
 *
 * The script is src/worker/pytorch/train.py (copied next to the bundles as dist/pytorch/train.py), with the recipe's
 * values written into its marked lines: readable Python, every value a flag of the same name.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { readCard } from '../data/card';
import { DataError } from '../data/errors';
import { readCheckpoint } from '../data/modelFolder';
import { DEFAULT_TRAIN_OPTIONS, PRESETS, resolveOptions, type TrainOptions } from '../engine/options';
import { SELECTION_FILE } from '../protocol/model';
import { FORECAST_DEFAULTS } from './forecast';
import { type ForecastSpec, validateForecastSpec } from '../data/csv/prepare';

/** What the script needs to train a forecaster as Sequence Lab does (KIND = 'forecast'). */
export interface ScriptForecast {
  targets: string[];
  features: string[];
  timeColumn: string | null;
  timeKind: string;
  step: number;
  window: number;
  horizon: number;
  fill: string;
  /** targets relative to the last observed value (the engine's default) */
  relative: boolean;
  coverage: number;
  /** the forecasting request the run came from; back in a checkpoint it lets Continue Training resume the import */
  request: Record<string, unknown>;
}

export interface ScriptRecipe {
  name: string;
  kind: 'char' | 'forecast';
  /** forecasting recipes: the CSV's columns, the windows and the scaling */
  forecast?: ScriptForecast;
  /** absolute paths of the text files and folders */
  files: string[];
  options: TrainOptions;
  /** code points, when the script continues a model (its vocabulary is kept) */
  vocab?: number[];
}

/** the recipe values the script takes (the rest of TrainOptions are UI-only: sampleChars, divergeFactor) */
const SCRIPT_KEYS = [
  'cell',
  'layers',
  'hidden',
  'emb',
  'dropout',
  'batch',
  'seq',
  'optimizer',
  'lr',
  'momentum',
  'beta1',
  'beta2',
  'eps',
  'weightDecay',
  'clip',
  'lrDecay',
  'lrDecayEvery',
  'steps',
  'minutes',
  'seed',
  'valFraction',
  'valSplit',
  'evalEvery',
  'evalBatches',
  'patience',
] as const;
/** keys whose flag takes a real number (written as 5.0, not 5, so `--clip 0.5` parses) */
const FLOAT_KEYS = new Set(['dropout', 'lr', 'momentum', 'beta1', 'beta2', 'eps', 'weightDecay', 'clip', 'lrDecay', 'minutes', 'valFraction']);

/** A *.seqlab.json recipe: its data (relative to the recipe), preset and options. */
export function recipeFromFile(file: string): ScriptRecipe {
  let r: { name?: unknown; data?: unknown; preset?: unknown; options?: unknown };
  try {
    r = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new DataError(`${file} is not a readable recipe: ${(e as Error).message.split('\n')[0]}`);
  }
  const data = typeof r.data === 'string' ? [r.data] : r.data;
  if (!Array.isArray(data) || data.length === 0 || !data.every((d) => typeof d === 'string')) {
    throw new DataError(`${file}: the recipe needs "data": a file or folder path, or a list of them (relative to the recipe).`);
  }
  const preset = typeof r.preset === 'string' ? PRESETS[r.preset as keyof typeof PRESETS] : undefined;
  if (r.preset !== undefined && !preset) throw new DataError(`${file}: "preset" must be tiny, small, medium or large.`);
  const options = resolveOptions({ ...preset, ...(r.options && typeof r.options === 'object' ? r.options : {}) });
  const name = typeof r.name === 'string' && r.name ? r.name : file.replace(/^.*[\\/]/, '').replace(/\.seqlab\.json$/i, '');
  return { name, kind: 'char', files: (data as string[]).map((d) => resolve(dirname(file), d)), options };
}

/** A model folder: the options of its run, its data, and its vocabulary (the script continues with the same ids). */
export function recipeFromModel(dir: string): ScriptRecipe {
  const card = readCard(dir);
  const ck = readCheckpoint(dir);
  const c = ck.config;
  // a forecaster has no embedding: its options keep the default emb, which the script does not use
  const shape = { cell: c.cell, layers: c.layers, hidden: c.hidden, dropout: c.dropout, ...(c.emb ? { emb: c.emb } : {}) };
  const options = resolveOptions({ ...DEFAULT_TRAIN_OPTIONS, ...ck.options, ...shape });
  if (c.kind === 'regression') return forecastRecipe(card.name, ck.meta.forecast, options);
  const d = ck.meta.data as { files?: string[]; selection?: boolean } | undefined;
  const files = d?.selection ? [join(dir, SELECTION_FILE)] : (d?.files ?? card.data.files);
  return { name: card.name, kind: 'char', files, vocab: ck.vocab ?? undefined, options };
}

/** A forecasting model's recipe: its CSV, columns, window, horizon and scaling, from the checkpoint's settings. */
function forecastRecipe(name: string, meta: unknown, options: TrainOptions): ScriptRecipe {
  const m = meta as { spec?: ForecastSpec; request?: Record<string, unknown> } | undefined;
  if (!m?.spec || !m.request || typeof m.request.file !== 'string') {
    throw new DataError(`"${name}" has no forecasting settings in its checkpoint, so the script cannot repeat its run.`);
  }
  const spec = validateForecastSpec(m.spec);
  const { request } = m;
  const forecast: ScriptForecast = {
    ...{ targets: spec.targets, features: spec.features, timeColumn: spec.timeColumn, timeKind: spec.timeKind, step: spec.step },
    ...{ window: spec.window, horizon: spec.horizon, fill: spec.fill, relative: spec.deltaScale !== null, coverage: FORECAST_DEFAULTS.coverage, request },
  };
  return { name, kind: 'forecast', files: [request.file as string], options, forecast };
}

/** A JSON value as a Python literal (None, True, False; strings as JSON writes them, which Python reads the same). */
function pyValue(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number' || typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(pyValue).join(', ')}]`;
  return `{${Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => `${JSON.stringify(k)}: ${pyValue(x)}`)
    .join(', ')}}`;
}

export function recipeFrom(path: string): ScriptRecipe {
  if (!existsSync(path)) throw new DataError(`No such recipe or model folder: ${path}`);
  if (statSync(path).isDirectory()) return recipeFromModel(path);
  if (!/\.json$/i.test(path)) throw new DataError(`${path} is neither a *.seqlab.json recipe nor a model folder.`);
  return recipeFromFile(path);
}

/** Python literal of a recipe value */
function py(key: string, v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return FLOAT_KEYS.has(key) && Number.isInteger(v) ? v.toFixed(1) : String(v);
  throw new DataError(`the recipe value ${key} = ${JSON.stringify(v)} cannot be written in the script`);
}

/** The script's text: `template` with the recipe, the data and the vocabulary written into its marked lines. */
export function pytorchScript(r: ScriptRecipe, template: string): string {
  const recipe = ['RECIPE = {', ...SCRIPT_KEYS.map((k) => `    '${k}': ${py(k, r.options[k])},`), '}'].join('\n');
  const data = ['DATA = [', ...r.files.map((f) => `    ${JSON.stringify(f)},`), ']'].join('\n');
  const vocab = r.vocab
    ? `VOCAB = ${JSON.stringify(r.vocab)}  # the code points of the model it continues (index = token id)`
    : 'VOCAB = None  # built from the data: its distinct characters, sorted by code point';
  const fill = (text: string, marker: string, value: string) => {
    const re = new RegExp(`^.*# @@${marker}@@$`, 'm');
    if (!re.test(text)) throw new Error(`the PyTorch script template has no ${marker} line`);
    return text.replace(re, () => value);
  };
  const forecast = r.forecast
    ? ['FORECAST = {', ...Object.entries(r.forecast).map(([k, v]) => `    ${JSON.stringify(k)}: ${pyValue(v)},`), '}'].join('\n')
    : 'FORECAST = None  # a text recipe';
  let s = fill(template, 'RECIPE', recipe);
  s = fill(s, 'KIND', `KIND = ${JSON.stringify(r.kind)}`);
  s = fill(s, 'FORECAST', forecast);
  s = fill(s, 'DATA', data);
  s = fill(s, 'VOCAB', vocab);
  return fill(s, 'NAME', `NAME = ${JSON.stringify(r.name)}`);
}

/** The template next to this code: src/worker/pytorch/train.py, or dist/pytorch/train.py beside a bundle. */
export function readTemplate(): string {
  for (const p of [join(__dirname, 'pytorch', 'train.py'), join(__dirname, '..', 'src', 'worker', 'pytorch', 'train.py')]) {
    if (existsSync(p)) return readFileSync(p, 'utf8');
  }
  throw new Error(`the PyTorch script template is missing next to ${__dirname} (run npm run build)`);
}
