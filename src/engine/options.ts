/** Training hyperparameters with char-rnn / Keras-like defaults. Stored in checkpoints and recipes. */
import type { CellType } from './config';

export type OptimizerName = 'adam' | 'sgd' | 'rmsprop';

export interface TrainOptions {
  cell: CellType;
  layers: number;
  hidden: number;
  /** E, char models */
  emb: number;
  dropout: number;
  /** B: parallel streams */
  batch: number;
  /** T: truncated-BPTT length */
  seq: number;
  optimizer: OptimizerName;
  lr: number;
  /** SGD momentum / RMSProp decay */
  momentum: number;
  /** Adam betas */
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** global-norm gradient clipping; 0 = off */
  clip: number;
  /** multiply lr by lrDecay every lrDecayEvery steps (1 = no decay) */
  lrDecay: number;
  lrDecayEvery: number;
  /** stop after this many steps (0 = no step limit) */
  steps: number;
  /** stop after this many minutes of training (0 = no time limit) */
  minutes: number;
  seed: number;
  /** share of the data held out for validation; 0 = none */
  valFraction: number;
  /** where the validation share comes from: 'tail', the end of the text (Keras validation_split, char-rnn);
   * 'spread', blocks spread over the whole text, so every part of it (every file) is trained on */
  valSplit: 'tail' | 'spread';
  /** evaluate on validation every N steps */
  evalEvery: number;
  /** max validation batches per evaluation (0 = whole split) */
  evalBatches: number;
  /** early stopping: stop after this many evaluations without improvement (0 = off) */
  patience: number;
  /** characters of sample text generated at each evaluation (0 = off) */
  sampleChars: number;
  /** divergence guard: stop when train loss exceeds this multiple of the best (smoothed) loss, or is NaN */
  divergeFactor: number;
}

export const DEFAULT_TRAIN_OPTIONS: TrainOptions = {
  cell: 'lstm',
  layers: 1,
  hidden: 128,
  emb: 64,
  dropout: 0,
  batch: 32,
  seq: 64,
  optimizer: 'adam',
  lr: 2e-3,
  momentum: 0.9,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  weightDecay: 0,
  clip: 5,
  lrDecay: 1,
  lrDecayEvery: 1000,
  steps: 1000,
  minutes: 0,
  seed: 1,
  valFraction: 0.1,
  valSplit: 'tail',
  evalEvery: 100,
  evalBatches: 0,
  patience: 0,
  sampleChars: 200,
  divergeFactor: 4,
};

/** Size presets shown in the UI (parameter counts are computed from the vocabulary at train time). */
export const PRESETS: Record<'tiny' | 'small' | 'medium' | 'large', Pick<TrainOptions, 'layers' | 'hidden' | 'emb' | 'batch' | 'seq' | 'dropout'>> = {
  tiny: { layers: 1, hidden: 32, emb: 16, batch: 16, seq: 32, dropout: 0 },
  small: { layers: 1, hidden: 128, emb: 64, batch: 32, seq: 64, dropout: 0 },
  medium: { layers: 2, hidden: 256, emb: 64, batch: 32, seq: 64, dropout: 0.1 },
  large: { layers: 3, hidden: 512, emb: 128, batch: 32, seq: 100, dropout: 0.2 },
};

/** The entries of `o` that are set: `{ lr: undefined }` means "not given", never "reset to the default". */
export function definedEntries<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Budget options: they belong to one session (`steps` counts this session's steps), so a resume never reports them as changed. */
const BUDGET_KEYS: (keyof TrainOptions)[] = ['steps', 'minutes'];

export interface ResumeOptions {
  options: TrainOptions;
  /** options the request set explicitly to another value than the checkpoint's, e.g. "lr 0.002 → 0.001" */
  changed: string[];
  /** options the request asked to change that the resume keeps (they define the model or the data stream) */
  kept: string[];
}

/**
 * The options of a resumed run: the checkpoint's value for every option the request does not give (an option a
 * checkpoint predates ran on its default), the request's value for every option it gives, except the `fixed` ones,
 * which always keep the checkpoint's value.
 */
export function resumeOptions(saved: Partial<TrainOptions>, requested: Partial<TrainOptions>, fixed: readonly (keyof TrainOptions)[]): ResumeOptions {
  const base = resolveOptions({ ...DEFAULT_TRAIN_OPTIONS, ...definedEntries(saved) });
  const asked = definedEntries(requested);
  const changed: string[] = [];
  const kept: string[] = [];
  for (const [k, v] of Object.entries(asked) as [keyof TrainOptions, unknown][]) {
    if (v === base[k]) continue;
    if (fixed.includes(k)) kept.push(`${k} ${String(base[k])} (asked ${String(v)})`);
    else if (!BUDGET_KEYS.includes(k)) changed.push(`${k} ${String(base[k])} → ${String(v)}`);
  }
  const keep = Object.fromEntries(fixed.map((k) => [k, base[k]]));
  return { options: resolveOptions({ ...base, ...asked, ...keep }), changed, kept };
}

export function resolveOptions(o: Partial<TrainOptions>): TrainOptions {
  const r = { ...DEFAULT_TRAIN_OPTIONS, ...definedEntries(o) } as TrainOptions;
  const bad = (m: string) => {
    const e = new Error(`Invalid training option: ${m}`);
    (e as { userFacing?: boolean }).userFacing = true;
    throw e;
  };
  const posInt = (k: keyof TrainOptions) => {
    const v = r[k] as number;
    if (!Number.isInteger(v) || v < 1) bad(`${k} must be a positive integer (got ${v})`);
  };
  (['layers', 'hidden', 'emb', 'batch', 'seq', 'evalEvery', 'lrDecayEvery'] as const).forEach(posInt);
  if (r.layers > 4) bad(`layers must be 1..4 (got ${r.layers})`);
  if (!['lstm', 'gru', 'rnn'].includes(r.cell)) bad(`cell must be lstm, gru or rnn (got ${r.cell})`);
  if (!['adam', 'sgd', 'rmsprop'].includes(r.optimizer)) bad(`optimizer must be adam, sgd or rmsprop (got ${r.optimizer})`);
  if (!(r.lr > 0)) bad(`lr must be > 0 (got ${r.lr})`);
  if (!(r.dropout >= 0 && r.dropout < 1)) bad(`dropout must be in [0,1) (got ${r.dropout})`);
  if (!(r.valFraction >= 0 && r.valFraction < 1)) bad(`valFraction must be in [0,1) (got ${r.valFraction})`);
  if (r.valSplit !== 'tail' && r.valSplit !== 'spread') bad(`valSplit must be tail or spread (got ${String(r.valSplit)})`);
  if (!(r.clip >= 0)) bad(`clip must be >= 0 (got ${r.clip})`);
  if (!(r.steps >= 0) || !(r.minutes >= 0)) bad('steps and minutes must be >= 0');
  if (!Number.isInteger(r.seed)) bad(`seed must be an integer (got ${r.seed})`);
  return r;
}
