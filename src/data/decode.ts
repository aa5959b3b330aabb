/**
 * Reading bytes as text, the one place that decides: the encoding (UTF-8, or UTF-16 with a byte order mark), binary
 * data (NUL bytes, control characters), invalid UTF-8 (with the offset of the first bad byte), and chunked streaming
 * with a fatal decoder, so big files are read in bounded memory. Every refusal is a one-line DataError.
 */
import * as fs from 'fs';
import * as path from 'path';
import { DataError } from './errors';

/** bytes looked at to decide whether a file is binary */
export const SNIFF_BYTES = 8192;
/** default chunk size for reading big files */
export const DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024;
/** bytes decoded to one string at a time (keeps strings under V8's large-object size) */
export const DECODE_SLICE = 32 * 1024;

export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be';

/** The encoding of a text file from its first bytes: UTF-16 when it starts with a UTF-16 byte order mark (as Windows
 * tools write it: Notepad's "Unicode", PowerShell 5's `>`), else UTF-8. */
export function textEncodingOf(head: Uint8Array): TextEncoding {
  if (head.length >= 2 && head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head.length >= 2 && head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  return 'utf-8';
}

const isControl = (c: number) => (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c && c !== 0x0b && c !== 0x1b && c !== 0x08) || c === 0x7f;

/**
 * Why `head` (the first bytes of a file) looks binary, or null if it looks like text.
 * Binary = a NUL character, or more than 10% control characters other than tab, LF, CR, FF, VT, ESC and BS; for a
 * file with a UTF-16 byte order mark this is judged on its UTF-16 code units, else on its bytes.
 */
export function binaryReason(head: Uint8Array): string | null {
  const bytes = head.subarray(0, SNIFF_BYTES);
  const enc = textEncodingOf(bytes);
  const units: ArrayLike<number> =
    enc === 'utf-8' ? bytes : Array.from(new TextDecoder(enc).decode(bytes.subarray(0, bytes.length & ~1)), (ch) => ch.charCodeAt(0));
  const n = units.length;
  let ctrl = 0;
  for (let i = 0; i < n; i++) {
    const b = units[i]!;
    if (b === 0) return 'binary file (contains NUL bytes)';
    if (isControl(b)) ctrl++;
  }
  if (n > 0 && ctrl / n > 0.1) return `binary file (${Math.round((100 * ctrl) / n)}% control characters)`;
  return null;
}

/**
 * Offset of the first byte that makes `bytes` invalid UTF-8 (the start of the bad sequence), or -1 when valid.
 * Same rules as TextDecoder (no overlongs, no surrogates, max U+10FFFF). `final=false` accepts a truncated tail.
 */
export function findInvalidUtf8(bytes: Uint8Array, final = true): number {
  let need = 0;
  let lower = 0x80;
  let upper = 0xbf;
  let seqStart = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (need === 0) {
      if (b <= 0x7f) continue;
      seqStart = i;
      if (b >= 0xc2 && b <= 0xdf) need = 1;
      else if (b >= 0xe0 && b <= 0xef) {
        if (b === 0xe0) lower = 0xa0;
        if (b === 0xed) upper = 0x9f;
        need = 2;
      } else if (b >= 0xf0 && b <= 0xf4) {
        if (b === 0xf0) lower = 0x90;
        if (b === 0xf4) upper = 0x8f;
        need = 3;
      } else return i;
    } else {
      if (b < lower || b > upper) return seqStart;
      lower = 0x80;
      upper = 0xbf;
      need--;
    }
  }
  return need > 0 && final ? seqStart : -1;
}

function notUtf16(label: string, enc: TextEncoding): DataError {
  return new DataError(
    `${label} starts with a UTF-16 ${enc === 'utf-16le' ? 'LE' : 'BE'} byte order mark but is not valid UTF-16 text; save it as UTF-8 and try again.`,
  );
}

function notUtf8(label: string, offset: number): DataError {
  const where = offset >= 0 ? ` (first bad byte at offset ${offset})` : '';
  return new DataError(`${label} is not valid UTF-8 text${where}; save it as UTF-8 and try again.`);
}

/**
 * Checks and decodes the bytes of a text file: refuses binary data, invalid UTF-8 (or UTF-16) and empty input with a
 * DataError; strips a BOM; reads UTF-16 LE/BE when a UTF-16 BOM says so. `label` names the input in messages.
 */
export function decodeTextBytes(bytes: Uint8Array, label = 'The input'): string {
  if (bytes.length === 0) throw new DataError(`${label} is empty.`);
  const bin = binaryReason(bytes.subarray(0, SNIFF_BYTES));
  if (bin) throw new DataError(`${label} looks like a ${bin}, not text.`);
  const enc = textEncodingOf(bytes);
  let text: string;
  try {
    text = new TextDecoder(enc, { fatal: true }).decode(bytes); // strips a BOM (ignoreBOM: false)
  } catch {
    throw enc === 'utf-8' ? notUtf8(label, findInvalidUtf8(bytes)) : notUtf16(label, enc);
  }
  if (text.length === 0) throw new DataError(`${label} is empty (only a byte order mark).`);
  return text;
}

/** reads a file in chunks with the checks of decodeTextBytes (binary, encoding); returns the bytes read */
export function readTextChunks(file: string, onText: (text: string) => void, opts: { chunkBytes?: number; onBytes?: (done: number) => void } = {}): number {
  return streamFile(file, new Uint8Array(Math.max(4, Math.floor(opts.chunkBytes ?? DEFAULT_CHUNK_BYTES))), onText, opts.onBytes);
}

/** streams a file's text to onText in slices (a fatal decoder: invalid bytes throw a DataError naming the file) */
export function streamFile(file: string, buf: Uint8Array, onText: (text: string) => void, onBytes?: (done: number) => void): number {
  const label = path.basename(file);
  const fd = fs.openSync(file, 'r');
  let decoder = new TextDecoder('utf-8', { fatal: true });
  let enc: TextEncoding = 'utf-8';
  const bad = () => (enc === 'utf-8' ? notUtf8(label, locateInvalid(fd)) : notUtf16(label, enc));
  let pos = 0;
  try {
    let sniffed = false;
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) break;
      const chunk = buf.subarray(0, n);
      if (!sniffed) {
        const head = n >= SNIFF_BYTES || buf.length >= SNIFF_BYTES ? chunk.subarray(0, SNIFF_BYTES) : readHead(file);
        const bin = binaryReason(head);
        if (bin) throw new DataError(`${label} looks like a ${bin}, not text.`);
        enc = textEncodingOf(head);
        if (enc !== 'utf-8') decoder = new TextDecoder(enc, { fatal: true });
        sniffed = true;
      }
      // Decode in small slices: the strings stay in V8's young generation and are freed cheaply, so peak memory
      // stays near the id array instead of piling up megabyte strings until a full GC.
      for (let s = 0; s < n; s += DECODE_SLICE) {
        let text: string;
        try {
          text = decoder.decode(chunk.subarray(s, Math.min(n, s + DECODE_SLICE)), { stream: true });
        } catch {
          throw bad();
        }
        if (text.length) onText(text);
      }
      pos += n;
      onBytes?.(pos);
    }
    let tail: string;
    try {
      tail = decoder.decode();
    } catch {
      throw bad();
    }
    if (tail.length) onText(tail);
  } finally {
    fs.closeSync(fd);
  }
  return pos;
}

/** error path only: finds the offset of the first invalid UTF-8 byte of an open file */
function locateInvalid(fd: number): number {
  const size = fs.fstatSync(fd).size;
  const CH = 1 << 20;
  // read with a 3-byte overlap so a sequence cut by the chunk edge is seen whole
  const b = new Uint8Array(CH + 3);
  let pos = 0;
  while (pos < size) {
    const n = fs.readSync(fd, b, 0, b.length, pos);
    const last = pos + n >= size;
    const bad = findInvalidUtf8(b.subarray(0, n), last);
    if (bad >= 0) return pos + bad;
    if (last) break;
    // restart at a character boundary at or before CH
    let next = CH;
    while (next > 0 && (b[next]! & 0xc0) === 0x80) next--;
    pos += next > 0 ? next : CH;
  }
  return -1;
}

/** the first SNIFF_BYTES bytes of a file */
export function readHead(file: string): Uint8Array {
  const fd = fs.openSync(file, 'r');
  try {
    const b = new Uint8Array(SNIFF_BYTES);
    const n = fs.readSync(fd, b, 0, SNIFF_BYTES, 0);
    return b.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
}
