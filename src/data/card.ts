/**
 * The model card (card.json), its one home: how it is written (canonical JSON with a CRC-32 of its fields, card
 * format 2), read and checked. Light on purpose (no engine): the extension host reads cards at activation.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from '../engine/crc32';
import { CARD_FILE, type ModelCard } from '../protocol/model';
import { writeFileAtomic } from './atomic';
import { DataError } from './errors';

/** The card's canonical text: its fields in order, then a CRC-32 of them (card format 2), so damage is noticed. */
export function cardText(card: ModelCard): string {
  const { checksum: _drop, ...fields } = card;
  void _drop;
  const body = { ...fields, format: 2 as const };
  const checksum = crc32(new TextEncoder().encode(JSON.stringify(body)))
    .toString(16)
    .padStart(8, '0');
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
  try {
    card = JSON.parse(text);
  } catch {
    throw new DataError(`${file} is damaged (not valid JSON).`);
  }
  if (typeof card !== 'object' || card === null || (card.format !== 1 && card.format !== 2) || typeof card.config !== 'object' || card.config === null) {
    throw new DataError(`${file} is not a Sequence Lab model card, or it is damaged.`);
  }
  if (card.format === 2 || card.checksum !== undefined) {
    const { checksum, ...fields } = card;
    const want = crc32(new TextEncoder().encode(JSON.stringify(fields)))
      .toString(16)
      .padStart(8, '0');
    if (checksum !== want) throw new DataError(`${file} is damaged or was edited by hand (its checksum does not match).`);
  }
  return card;
}

export function readCard(dir: string): ModelCard {
  const f = join(dir, CARD_FILE);
  if (!existsSync(f)) throw new DataError(`${dir} is not a Sequence Lab model folder (no ${CARD_FILE}).`);
  let text: string;
  try {
    text = readFileSync(f, 'utf8');
  } catch (e) {
    throw new DataError(`${f} cannot be read: ${(e as Error).message}`);
  }
  return parseCard(text, f);
}

/** The card, or null when the folder has none or it is damaged. */
export function tryReadCard(dir: string): ModelCard | null {
  try {
    return readCard(dir);
  } catch {
    return null;
  }
}
