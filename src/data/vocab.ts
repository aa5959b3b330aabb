/**
 * Character vocabulary over Unicode code points (not UTF-16 units: an emoji or a CJK character is one id).
 *
 * ids are dense 0..V-1. A vocabulary built from text or counts is sorted ascending by code point, so the same
 * characters always give the same ids. `fromJSON` keeps the stored order exactly (a trained model depends on it).
 *
 * Fallback rule (for characters unknown at inference or in a fine-tuning corpus), first one present wins:
 *   U+FFFD (replacement character), else U+0020 (space), else '?', else id 0.
 */
import { DataError } from './errors';

export const MAX_CODE_POINT = 0x10ffff;
const REPLACEMENT = 0xfffd;
const SPACE = 0x20;
const QUESTION = 0x3f;

export class Vocab {
  /** id -> code point */
  readonly codePoints: number[];
  /** the id used for code points that are not in the vocabulary (see the rule above) */
  readonly fallbackId: number;
  /** code point -> id + 1 for the BMP (0 = absent): a flat table keeps encoding of big corpora fast */
  private readonly bmp: Int32Array;
  /** code point -> id for code points above U+FFFF */
  private readonly astral: Map<number, number>;

  private constructor(codePoints: number[]) {
    if (codePoints.length === 0) throw new DataError('The vocabulary is empty: there are no characters to learn.');
    this.codePoints = codePoints;
    this.bmp = new Int32Array(0x10000);
    this.astral = new Map();
    for (let id = 0; id < codePoints.length; id++) {
      const cp = codePoints[id]!;
      if (!Number.isInteger(cp) || cp < 0 || cp > MAX_CODE_POINT) {
        throw new DataError(`The vocabulary has an invalid code point at id ${id}: ${String(cp)}.`);
      }
      if (this.has(cp)) throw new DataError(`The vocabulary lists code point U+${hex(cp)} twice.`);
      if (cp <= 0xffff) this.bmp[cp] = id + 1;
      else this.astral.set(cp, id);
    }
    const pick = [REPLACEMENT, SPACE, QUESTION].find((cp) => this.has(cp));
    this.fallbackId = pick === undefined ? 0 : this.lookup(pick);
  }

  /** every distinct code point of `text`, sorted ascending */
  static fromText(text: string): Vocab {
    const counts = new Map<number, number>();
    forEachCodePoint(text, (cp) => counts.set(cp, (counts.get(cp) ?? 0) + 1));
    return Vocab.fromCounts(counts);
  }

  /** the code points with a count > 0, sorted ascending (the counts themselves do not change the order) */
  static fromCounts(counts: Map<number, number>): Vocab {
    const cps: number[] = [];
    for (const [cp, n] of counts) if (n > 0) cps.push(cp);
    cps.sort((a, b) => a - b);
    return new Vocab(cps);
  }

  /** inverse of toJSON(): keeps the order given (validated: integers in 0..0x10FFFF, no duplicates, not empty) */
  static fromJSON(codePoints: number[]): Vocab {
    if (!Array.isArray(codePoints)) throw new DataError('The stored vocabulary is not a list of code points.');
    return new Vocab(codePoints.slice());
  }

  get size(): number {
    return this.codePoints.length;
  }

  has(cp: number): boolean {
    return this.lookup(cp) >= 0;
  }

  /** id of a code point; unknown -> fallbackId */
  id(cp: number): number {
    const id = this.lookup(cp);
    return id >= 0 ? id : this.fallbackId;
  }

  /** id of a code point, or -1 when unknown */
  lookup(cp: number): number {
    if (cp >= 0 && cp <= 0xffff) return this.bmp[cp]! - 1;
    return this.astral.get(cp) ?? -1;
  }

  /** ids of `text`, one per code point */
  encode(text: string): Int32Array {
    const out = new Int32Array(countCodePoints(text));
    this.encodeInto(text, out, 0);
    return out;
  }

  /**
   * Writes the ids of `text` into out[offset...], returns how many were written.
   * Throws a RangeError when `out` is too short (nothing past out.length is written).
   * A Uint16Array only holds ids < 65536 (V <= 65536). With `unknown`, unknown[i] = 1 where out[i] is the fallback
   * for a character outside the vocabulary.
   */
  encodeInto(text: string, out: Int32Array | Uint16Array, offset: number, unknown?: Uint8Array): number {
    const bmp = this.bmp;
    const fb = this.fallbackId;
    const n = text.length;
    let o = offset;
    const cap = out.length;
    for (let i = 0; i < n; i++) {
      const cp = text.codePointAt(i)!; // a surrogate pair is one code point; a lone surrogate is itself
      if (cp > 0xffff) i++;
      if (o >= cap) throw new RangeError(`encodeInto: output is full at ${cap} ids`);
      let id: number;
      if (cp <= 0xffff) id = bmp[cp]! - 1;
      else id = this.astral.get(cp) ?? -1;
      if (id < 0 && unknown) unknown[o] = 1;
      out[o++] = id >= 0 ? id : fb;
    }
    return o - offset;
  }

  /** text of ids; throws a RangeError on an id outside 0..V-1 */
  decode(ids: ArrayLike<number>): string {
    const cps = this.codePoints;
    const parts: string[] = [];
    const CH = 4096;
    const buf: number[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const cp = cps[id];
      if (cp === undefined) throw new RangeError(`decode: id ${id} is outside the vocabulary (size ${cps.length})`);
      buf.push(cp);
      if (buf.length === CH) {
        parts.push(String.fromCodePoint(...buf));
        buf.length = 0;
      }
    }
    if (buf.length) parts.push(String.fromCodePoint(...buf));
    return parts.join('');
  }

  /** the code points in id order (store this; Vocab.fromJSON restores the exact ids) */
  toJSON(): number[] {
    return this.codePoints.slice();
  }

  /** the characters as a string in id order (for display) */
  toString(): string {
    return String.fromCodePoint(...this.codePoints);
  }
}

/** number of code points in `text` (a lone surrogate counts as one) */
export function countCodePoints(text: string): number {
  let n = 0;
  const len = text.length;
  for (let i = 0; i < len; i++) {
    if (text.codePointAt(i)! > 0xffff) i++;
    n++;
  }
  return n;
}

/** calls fn for each code point of `text` (a lone surrogate is passed as its own code unit) */
export function forEachCodePoint(text: string, fn: (cp: number) => void): void {
  const len = text.length;
  for (let i = 0; i < len; i++) {
    const cp = text.codePointAt(i)!;
    if (cp > 0xffff) i++;
    fn(cp);
  }
}

function hex(cp: number): string {
  return cp.toString(16).toUpperCase().padStart(4, '0');
}
