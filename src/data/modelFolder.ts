/**
 * Model folders (see src/protocol/model.ts for the layout): the training checkpoint and the TypeScript-engine model it
 * holds. The card lives in card.ts, atomic writes in atomic.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeCheckpoint, type Checkpoint, CheckpointError } from '../engine/checkpoint';
import type { Kernels } from '../engine/kernels';
import { Model } from '../engine/model';
import { CHECKPOINT_FILE, type ModelCard, SELECTION_FILE } from '../protocol/model';
import { readCard } from './card';
import { DataError } from './errors';
import { Vocab } from './vocab';

export function readCheckpoint(dir: string): Checkpoint {
  const f = join(dir, CHECKPOINT_FILE);
  if (!existsSync(f)) throw new DataError(`${dir} has no training checkpoint (${CHECKPOINT_FILE}); it cannot be resumed.`);
  try {
    return decodeCheckpoint(readFileSync(f));
  } catch (e) {
    if (e instanceof CheckpointError) throw new DataError(`${f}: ${e.message}`);
    throw e;
  }
}

/** A trained model loaded for the TypeScript engine: best weights, vocabulary, card. */
export function loadTsModel(dir: string, kernels?: Kernels): { model: Model; vocab: Vocab | null; card: ModelCard; checkpoint: Checkpoint } {
  const card = readCard(dir);
  const checkpoint = readCheckpoint(dir);
  const model = new Model(checkpoint.config, { params: checkpoint.bestParams, kernels });
  return { model, vocab: checkpoint.vocab ? Vocab.fromJSON(checkpoint.vocab) : null, card, checkpoint };
}

/**
 * The files a model was trained on that are still here (its run's files, or its saved selection), for what is built
 * from the same text (the autocomplete's n-gram). `missing` makes the error when none is left.
 */
export function trainingFilesOf(dir: string, missing: () => Error): string[] {
  const meta = existsSync(join(dir, CHECKPOINT_FILE)) ? (readCheckpoint(dir).meta.data as { files?: string[]; selection?: boolean } | undefined) : undefined;
  const files = meta?.selection ? [join(dir, SELECTION_FILE)] : (meta?.files ?? readCard(dir).data.files);
  const present = files.filter((f) => existsSync(f));
  if (!present.length) throw missing();
  return present;
}
