/**
 * Reading and writing model folders (see src/protocol/model.ts for the layout). Every write is atomic:
 * a temp file in the same folder, fsync, then rename, so a crash never leaves a half-written file.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { decodeCheckpoint, type Checkpoint, CheckpointError } from '../engine/checkpoint';
import { CARD_FILE, CHECKPOINT_FILE, type ModelCard } from '../protocol/model';
import type { Kernels } from '../engine/kernels';
import { Model } from '../engine/model';
import { DataError } from './errors';
import { Vocab } from './vocab';

export function writeFileAtomic(file: string, data: Uint8Array | string): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${Date.now()}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd); rmSync(tmp, { force: true }); throw e;
  }
  closeSync(fd);
  renameSync(tmp, file);
}

export function writeCard(dir: string, card: ModelCard): void {
  writeFileAtomic(join(dir, CARD_FILE), JSON.stringify(card, null, 2) + '\n');
}

export function readCard(dir: string): ModelCard {
  const f = join(dir, CARD_FILE);
  if (!existsSync(f)) throw new DataError(`${dir} is not a Sequence Lab model folder (no ${CARD_FILE}).`);
  let card: ModelCard;
  try { card = JSON.parse(readFileSync(f, 'utf8')); } catch { throw new DataError(`${f} is damaged (not valid JSON).`); }
  if (card?.format !== 1 || typeof card.config !== 'object') throw new DataError(`${f} is not a Sequence Lab model card.`);
  return card;
}

/** The card, or null when the folder has none or it is damaged. */
export function tryReadCard(dir: string): ModelCard | null {
  try { return readCard(dir); } catch { return null; }
}

export function readCheckpoint(dir: string): Checkpoint {
  const f = join(dir, CHECKPOINT_FILE);
  if (!existsSync(f)) throw new DataError(`${dir} has no training checkpoint (${CHECKPOINT_FILE}); it cannot be resumed.`);
  try { return decodeCheckpoint(readFileSync(f)); } catch (e) {
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
