/**
 * Reading and writing model folders (see src/protocol/model.ts for the layout). Every write is atomic:
 * a temp file in the same folder, fsync, then rename, so a crash never leaves a half-written file.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { decodeCheckpoint, type Checkpoint, CheckpointError } from '../engine/checkpoint';
import { CARD_FILE, CHECKPOINT_FILE, type ModelCard } from '../protocol/model';
import { crc32 } from '../engine/crc32';
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

/** The card's canonical text: its fields in order, then a CRC-32 of them (card format 2), so damage is noticed. */
export function cardText(card: ModelCard): string {
  const { checksum: _drop, ...fields } = card;
  void _drop;
  const body = { ...fields, format: 2 as const };
  const checksum = crc32(new TextEncoder().encode(JSON.stringify(body))).toString(16).padStart(8, '0');
  return JSON.stringify({ ...body, checksum }, null, 2) + '\n';
}

export function writeCard(dir: string, card: ModelCard): void {
  writeFileAtomic(join(dir, CARD_FILE), cardText(card));
}

/**
 * Parse and check a card's text (`file` names it in messages). Format 2 cards must carry a matching checksum; a
 * format 1 card (Sequence Lab 0.1) has none. Throws a DataError saying what is wrong.
 */
export function parseCard(text: string, file: string): ModelCard {
  let card: ModelCard;
  try { card = JSON.parse(text); } catch { throw new DataError(`${file} is damaged (not valid JSON).`); }
  if (typeof card !== 'object' || card === null || (card.format !== 1 && card.format !== 2) || typeof card.config !== 'object' || card.config === null) {
    throw new DataError(`${file} is not a Sequence Lab model card, or it is damaged.`);
  }
  if (card.format === 2 || card.checksum !== undefined) {
    const { checksum, ...fields } = card;
    const want = crc32(new TextEncoder().encode(JSON.stringify(fields))).toString(16).padStart(8, '0');
    if (checksum !== want) throw new DataError(`${file} is damaged or was edited by hand (its checksum does not match).`);
  }
  return card;
}

export function readCard(dir: string): ModelCard {
  const f = join(dir, CARD_FILE);
  if (!existsSync(f)) throw new DataError(`${dir} is not a Sequence Lab model folder (no ${CARD_FILE}).`);
  let text: string;
  try { text = readFileSync(f, 'utf8'); } catch (e) { throw new DataError(`${f} cannot be read: ${(e as Error).message}`); }
  return parseCard(text, f);
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
