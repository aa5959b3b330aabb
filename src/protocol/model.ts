/**
 * The model folder, shared by the worker, the CLI and the extension host.
 *
 *   <models>/<name>/
 *     card.json         ModelCard, human-readable (written atomically)
 *     checkpoint.bin    training checkpoint: weights, optimizer state, step, RNG, data position, vocab, config (for resume)
 *     model.onnx        the exported ONNX model (what every inference uses)
 *     selection.txt     only for a model trained on an editor selection: that text
 *     train.log.jsonl   only for a model imported from our PyTorch script: the remote run's log
 */
import type { ModelConfig } from '../engine/config';

export const CARD_FILE = 'card.json';
export const CHECKPOINT_FILE = 'checkpoint.bin';
export const ONNX_FILE = 'model.onnx';
/** autocomplete's mixture of experts: the 5-gram of the training text and the gate (engine/mixtureFile.ts) */
export const MIXTURE_FILE = 'mixture.bin';
/** models trained on an editor selection keep the text here, so the run can be resumed exactly */
export const SELECTION_FILE = 'selection.txt';
/** models imported from our PyTorch script keep that run's JSON-lines log here (its curves in the dashboard) */
export const REMOTE_LOG_FILE = 'train.log.jsonl';

export type ModelStatus = 'training' | 'complete' | 'stopped' | 'interrupted' | 'failed';

export interface ModelCard {
  /** 2: with `checksum` (a CRC-32 of the other fields as written); 1: Sequence Lab 0.1, without */
  format: 1 | 2;
  name: string;
  origin: 'trained' | 'imported';
  status: ModelStatus;
  config: ModelConfig;
  params: number;
  /** vocabulary size (char models) */
  vocabSize: number;
  data: { files: string[]; chars: number; bytes: number };
  steps: number;
  /** best validation loss in nats/char (char) or MSE in normalized units (regression); null before the first evaluation */
  bestValLoss: number | null;
  /** bits/char = nats / ln 2 (char models) */
  bestValBpc: number | null;
  trainSeconds: number;
  createdAt: string;
  updatedAt: string;
  /** the hyperparameters the run used */
  options: Record<string, unknown>;
  /** plain words: why the run ended (e.g. "reached 300 steps", "stopped by user", "validation loss stopped improving") */
  stopReason?: string;
  /** each resumed session that changed options: the step it started at and what changed ("lr 0.005 → 0.001") */
  optionChanges?: { step: number; changed: string[] }[];
  /** CRC-32 (8 hex digits) of the card's other fields, written by data/modelFolder.ts */
  checksum?: string;
}

/** A forecasting model's default name: the file, the target(s) unless the file is named after them, the cell
 * (sales.csv, target sales → "sales-lstm"; shop.csv, target sales → "shop-sales-lstm"). */
export function forecastModelName(file: string, targets: string[], cell: string): string {
  const base = file.replace(/^.*[\\/]/, '').replace(/\.[^.]+$/, '');
  const t = targets.join('+');
  const parts = !t || t.toLowerCase() === base.toLowerCase() ? [base, cell] : [base, t, cell];
  return parts.join('-').replace(/[^\w.+-]+/g, '_');
}
