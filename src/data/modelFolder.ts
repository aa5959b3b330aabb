/**
 * Model folders (see src/protocol/model.ts for the layout): the training checkpoint and the TypeScript-engine model it
 * holds. The card lives in card.ts, atomic writes in atomic.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeCheckpoint, type Checkpoint, CheckpointError } from '../engine/checkpoint';
import type { Kernels } from '../engine/kernels';
import { Model } from '../engine/model';
import { CHECKPOINT_FILE, type ModelCard } from '../protocol/model';
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
