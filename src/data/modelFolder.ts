/**
 * Model folders (see src/protocol/model.ts for the layout): the training checkpoint and the TypeScript-engine model it
 * holds. The card lives in card.ts, atomic writes in atomic.ts.
 */
import { existsSync, promises as fsp, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeCheckpoint, type Checkpoint, CheckpointError } from '../engine/checkpoint';
import type { Kernels } from '../engine/kernels';
import { Model } from '../engine/model';
import { CHECKPOINT_FILE, type ModelCard, SELECTION_FILE } from '../protocol/model';
import { readCard } from './card';
import { decodeTextBytes } from './decode';
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

/**
 * The text of `files` read asynchronously (for a caller on the extension host's thread), joined as the corpus joins
 * them (a newline after a file that does not end in one), up to about `maxBytes`; files that are not text are skipped.
 */
export async function readTrainingText(files: string[], maxBytes: number): Promise<string> {
  const parts: string[] = [];
  let bytes = 0;
  for (const f of files) {
    if (bytes >= maxBytes) break;
    let text: string;
    try {
      const buf = await fsp.readFile(f);
      // the whole file is decoded (a cut could split a character); the text is cut instead, by characters
      text = decodeTextBytes(buf, f).slice(0, maxBytes - bytes);
      bytes += Math.min(buf.length, maxBytes - bytes);
    } catch {
      continue; // a folder, a binary or damaged file: the n-gram is built from the rest
    }
    parts.push(text.endsWith('\n') ? text : text + '\n');
  }
  return parts.join('');
}
