/**
 * What every `seqlab` command shares: the two kinds of failure (exit 1 and exit 2), option parsers, model and
 * output folders, number formats, and one training-worker session (SIGINT stops after the step, the best model kept).
 */
import { InvalidArgumentError } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CARD_FILE } from '../protocol/model';
import { RemoteError } from '../protocol/rpc';
import { TrainingWorker } from '../worker/client';

/** A user-facing failure: printed as one line, exit code 1. */
export class UserError extends Error {
  constructor(m: string) {
    super(m);
    this.name = 'UserError';
  }
}
/** Wrong usage: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  constructor(
    m: string,
    readonly usage: string,
  ) {
    super(m);
    this.name = 'UsageError';
  }
}

/** A commander parser for a whole number in [min, max]. */
export const int =
  (name: string, min = 1, max = Infinity) =>
  (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`${name} must be a whole number ${max === Infinity ? `>= ${min}` : `from ${min} to ${max}`}`);
    return n;
  };
/** A commander parser for a number in [lo, hi]. */
export const num =
  (name: string, lo = -Infinity, hi = Infinity) =>
  (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < lo || n > hi)
      throw new InvalidArgumentError(`${name} must be a number ${hi === Infinity ? `>= ${lo}` : `in [${lo}, ${hi}]`}`);
    return n;
  };
/** A commander parser for a comma-separated list. */
export const list = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** The model folder named on the command line (it must hold a card). */
export function modelDir(arg: string): string {
  const p = resolve(arg);
  if (!existsSync(p)) throw new UserError(`no model at ${arg}`);
  if (statSync(p).isDirectory() && existsSync(join(p, CARD_FILE))) return p;
  throw new UserError(`${arg} is not a Sequence Lab model folder (no ${CARD_FILE})`);
}

/** `base`, or `base-2`, `base-3`, … : the first that does not exist. */
export function uniqueDir(base: string): string {
  if (!existsSync(base)) return base;
  for (let i = 2; ; i++) if (!existsSync(`${base}-${i}`)) return `${base}-${i}`;
}

export function fmtSec(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '--';
  const m = Math.floor(s / 60),
    r = Math.round(s % 60);
  return m > 0 ? `${m}m${String(r).padStart(2, '0')}s` : `${r}s`;
}

export function round(x: number, d = 4): number {
  const f = 10 ** d;
  return Math.round(x * f) / f;
}

/** ONNX load/import/input errors carry user-facing messages. */
export function isOnnxUserError(e: unknown): boolean {
  return e instanceof Error && ['ModelLoadError', 'ModelImportError', 'InferenceInputError', 'ExportParityError'].includes(e.name);
}

function workerPath(): string {
  const p = join(__dirname, 'worker.js');
  if (!existsSync(p)) throw new UserError(`the training worker is missing (${p}); run \`npm run build\``);
  return p;
}

/**
 * One training session in the worker: `run` gets the worker; Ctrl+C asks it to stop after the current step (the
 * best model is kept); the worker's log goes to stderr unless `json`; a user error from the worker is a UserError.
 */
export async function withTrainingWorker<R>(json: boolean, run: (worker: TrainingWorker) => Promise<R>, beforeLog: () => void = () => {}): Promise<R> {
  const worker = new TrainingWorker(workerPath());
  worker.on('train/log', (l) => {
    if (json) return;
    beforeLog();
    process.stderr.write(`${l.level === 'info' ? '' : `${l.level}: `}${l.message}\n`);
  });
  const onSig = () => {
    worker.stop();
    if (!json) process.stderr.write('\nstopping after this step (the best model is kept)…\n');
  };
  process.once('SIGINT', onSig);
  try {
    return await run(worker);
  } catch (e) {
    if (e instanceof RemoteError && e.code === 'user') throw new UserError(e.message);
    throw e;
  } finally {
    process.removeListener('SIGINT', onSig);
    await worker.terminate();
  }
}
