/**
 * Text input for char models: checked reading (binary, not UTF-8, empty), folder walking, and corpus loading.
 *
 * loadCorpus reads big files in chunks with a streaming fatal TextDecoder, in two passes (count, then encode
 * into ONE preallocated id array), so a 100 MB file never exists as several copies in memory.
 */
import * as fs from 'fs';
import * as path from 'path';
import { DataError } from './errors';
import { Vocab, countCodePoints } from './vocab';

export { DataError, isDataError } from './errors';

/** bytes looked at to decide whether a file is binary */
export const SNIFF_BYTES = 8192;
/** default chunk size for reading big files */
export const DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024;
/** default cap on the total bytes of a corpus (and on each file found in a folder) */
export const DEFAULT_MAX_BYTES = 512 * 1024 * 1024;
/** bytes decoded to one string at a time (keeps strings under V8's large-object size) */
const DECODE_SLICE = 32 * 1024;

export interface Corpus {
  /** the whole corpus as ids, (N) */
  ids: Uint16Array | Int32Array;
  vocab: Vocab;
  /** the files read, in order (for corpusFromText: the label) */
  files: string[];
  /** number of characters (code points) = ids.length */
  chars: number;
  /** bytes read (file sizes, BOM included; for text: UTF-8 length) */
  bytes: number;
  /** characters not in a given (fine-tuning) vocabulary, mapped to vocab.fallbackId; 0 when the vocab was built here */
  unknownChars: number;
  /** for fine-tuning: the distinct unknown characters, most frequent first (at most 20) */
  unknownSample?: string[];
  /** with LoadOptions.markUnknown: 1 at each position whose character is outside the given vocabulary, (N) */
  unknownMask?: Uint8Array;
  /** files found in folders and skipped, with the reason */
  skipped?: SkippedFile[];
}

export interface SkippedFile {
  path: string;
  reason: string;
}

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
  const units: ArrayLike<number> = enc === 'utf-8' ? bytes
    : Array.from(new TextDecoder(enc).decode(bytes.subarray(0, bytes.length & ~1)), (ch) => ch.charCodeAt(0));
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
  return new DataError(`${label} starts with a UTF-16 ${enc === 'utf-16le' ? 'LE' : 'BE'} byte order mark but is not valid UTF-16 text; save it as UTF-8 and try again.`);
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

/** reads a whole text file with the checks of decodeTextBytes (for small files; use loadCorpus for big ones) */
export function readTextFileChecked(file: string, maxBytes = DEFAULT_MAX_BYTES): string {
  const st = statOrThrow(file);
  if (st.isDirectory()) throw new DataError(`${file} is a folder, not a file.`);
  if (st.size > maxBytes) throw new DataError(`${file} is too large: ${mb(st.size)}; the limit is ${mb(maxBytes)}.`);
  return decodeTextBytes(fs.readFileSync(file), path.basename(file));
}

export interface CollectOptions {
  /** files bigger than this are skipped (default DEFAULT_MAX_BYTES) */
  maxFileBytes?: number;
  /** file extensions (lower case, with the dot) to skip without reading; default a few well-known binary ones */
  skipExtensions?: string[];
}

export interface CollectResult {
  /** text files to read, in a deterministic order: the paths in the order given, folders walked in sorted order */
  files: string[];
  skipped: SkippedFile[];
}

const BINARY_EXTENSIONS = [
  '.png', '.jpg', '.jpeg', '.gif', '.bmp', '.ico', '.webp', '.pdf', '.zip', '.gz', '.tgz', '.bz2', '.xz', '.7z',
  '.exe', '.dll', '.so', '.dylib', '.o', '.a', '.class', '.jar', '.wasm', '.onnx', '.bin', '.pt', '.pth', '.npy',
  '.mp3', '.mp4', '.wav', '.ogg', '.mov', '.woff', '.woff2', '.ttf', '.otf',
];

/**
 * Expands files and folders (recursively) into a list of text files. Skips dot-folders, node_modules, files over the
 * size cap, empty files and binary files (sniffed from the first 8 KB), and reports each skip with a reason.
 * A path that does not exist throws a DataError.
 */
export function collectTextFiles(paths: string[], opts: CollectOptions = {}): CollectResult {
  const maxFileBytes = opts.maxFileBytes ?? DEFAULT_MAX_BYTES;
  const skipExt = new Set(opts.skipExtensions ?? BINARY_EXTENSIONS);
  const files: string[] = [];
  const skipped: SkippedFile[] = [];
  const seen = new Set<string>();
  const seenDirs = new Set<string>();

  const considerFile = (file: string, size: number, explicit: boolean): void => {
    const key = path.resolve(file);
    if (seen.has(key)) return;
    seen.add(key);
    if (!explicit && skipExt.has(path.extname(file).toLowerCase())) return skip(file, 'binary file type');
    if (size > maxFileBytes) return skip(file, `too large (${mb(size)}; the limit is ${mb(maxFileBytes)})`);
    if (size === 0) return skip(file, 'empty file');
    const head = readHead(file);
    const bin = binaryReason(head);
    if (bin) return skip(file, bin);
    if (textEncodingOf(head) === 'utf-8' && findInvalidUtf8(head, head.length === size) >= 0) return skip(file, 'not valid UTF-8 text');
    files.push(file);
  };
  const skip = (file: string, reason: string): void => {
    skipped.push({ path: file, reason });
  };
  const walk = (dir: string): void => {
    let real: string;
    try {
      real = fs.realpathSync(dir);
    } catch {
      return skip(dir, 'cannot be read');
    }
    if (seenDirs.has(real)) return; // symlink loops
    seenDirs.add(real);
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      return skip(dir, 'folder cannot be read');
    }
    names.sort(compareCodeUnits);
    for (const name of names) {
      const p = path.join(dir, name);
      let st: fs.Stats;
      try {
        st = fs.statSync(p);
      } catch {
        skip(p, 'cannot be read (broken link?)');
        continue;
      }
      if (st.isDirectory()) {
        if (name.startsWith('.') || name === 'node_modules') continue;
        walk(p);
      } else if (st.isFile()) considerFile(p, st.size, false);
    }
  };

  for (const p of paths) {
    const st = statOrThrow(p);
    if (st.isDirectory()) walk(p);
    else considerFile(p, st.size, true);
  }
  return { files, skipped };
}

export interface LoadOptions extends CollectOptions {
  /** fine-tuning: encode with this vocabulary; unknown characters map to vocab.fallbackId and are counted */
  vocab?: Vocab;
  /** with `vocab`: also return Corpus.unknownMask (evaluation scores no unknown character) */
  markUnknown?: boolean;
  /** cap on the total bytes (default DEFAULT_MAX_BYTES) */
  maxBytes?: number;
  /** read size (default 4 MB; tests use tiny values to cut multi-byte characters) */
  chunkBytes?: number;
  /** progress callback over both passes: done and total are in bytes (total = 2 * corpus bytes) */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Loads text files and folders into one id array (files joined with '\n' when a file does not end in one).
 * Throws a DataError with a one-line message for: a missing path, nothing to read, a named file that is binary /
 * not UTF-8 / empty, a corpus over maxBytes. Files found in folders that fail are skipped and listed in `skipped`.
 */
export function loadCorpus(paths: string[], opts: LoadOptions = {}): Corpus {
  if (paths.length === 0) throw new DataError('No text to train on: no file or folder was given.');
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const chunkBytes = Math.max(4, Math.floor(opts.chunkBytes ?? DEFAULT_CHUNK_BYTES));
  const { files, explicit, skipped } = corpusFiles(paths, opts, maxBytes);
  const buf = new Uint8Array(Math.min(chunkBytes, maxBytes + 1));
  let totalBytes = 0;
  for (const f of files) totalBytes += fs.statSync(f).size;
  const progress = opts.onProgress ? (done: number) => opts.onProgress!(done, 2 * totalBytes) : undefined;
  const counted = countPass(files, explicit, skipped, buf, maxBytes, opts.vocab, progress);
  if (counted.files.length === 0) throw new DataError(`No readable text in ${paths.join(', ')}: ${skipped.map((s) => `${path.basename(s.path)}: ${s.reason}`).slice(0, 3).join('; ')}.`);
  const vocab = opts.vocab ?? Vocab.fromCounts(counted.counts);
  const { ids, mask } = encodePass(counted, vocab, buf, !!opts.vocab && !!opts.markUnknown, progress);
  const corpus: Corpus = { ids, vocab, files: counted.files, chars: counted.chars, bytes: counted.bytes, unknownChars: counted.unknown };
  if (opts.vocab) corpus.unknownSample = topUnknown(counted.unknownCounts);
  if (mask) corpus.unknownMask = mask;
  if (skipped.length) corpus.skipped = skipped;
  return corpus;
}

/** The files to read (named files checked first: missing, empty, too large, binary are errors; found in folders, skipped). */
function corpusFiles(paths: string[], opts: LoadOptions, maxBytes: number): { files: string[]; explicit: Set<string>; skipped: SkippedFile[] } {
  const explicit = new Set<string>();
  for (const p of paths) {
    const st = statOrThrow(p);
    if (!st.isDirectory()) {
      explicit.add(path.resolve(p));
      if (st.size === 0) throw new DataError(`${p} is empty.`);
      if (st.size > maxBytes) throw new DataError(`${p} is too large: ${mb(st.size)}; the limit is ${mb(maxBytes)}.`);
    }
  }
  const collected = collectTextFiles(paths, { maxFileBytes: opts.maxFileBytes ?? maxBytes, skipExtensions: opts.skipExtensions });
  const skipped = collected.skipped;
  for (const s of skipped) {
    if (explicit.has(path.resolve(s.path))) throw new DataError(`${s.path} cannot be used: ${s.reason}.`);
  }
  if (collected.files.length === 0) {
    const why = skipped.length ? ` (skipped ${skipped.length}: ${skipped.slice(0, 3).map((s) => `${path.basename(s.path)}: ${s.reason}`).join('; ')})` : '';
    throw new DataError(`No text files found in ${paths.join(', ')}${why}.`);
  }
  return { files: collected.files, explicit, skipped };
}

interface Counted {
  /** the files kept, their characters, and whether a newline joins each to the next */
  files: string[]; sizes: number[]; needsNewline: boolean[];
  chars: number; bytes: number; doneBytes: number;
  /** per code point (no given vocabulary), or the unknown ones (a given vocabulary) */
  counts: Map<number, number>; unknown: number; unknownCounts: Map<number, number>;
}

/** Pass 1: validate every file and count its code points (or, with a given vocabulary, the unknown ones). */
function countPass(files: string[], explicit: Set<string>, skipped: SkippedFile[], buf: Uint8Array, maxBytes: number, given: Vocab | undefined,
  progress?: (done: number) => void): Counted {
  const bmpCounts = new Float64Array(0x10000);
  const astralCounts = new Map<number, number>();
  const c: Counted = { files: [], sizes: [], needsNewline: [], chars: 0, bytes: 0, doneBytes: 0, counts: new Map(), unknown: 0, unknownCounts: new Map() };
  const addUnknown = (cp: number): void => { c.unknown++; c.unknownCounts.set(cp, (c.unknownCounts.get(cp) ?? 0) + 1); };
  const count = (cp: number): void => {
    if (given) { if (given.lookup(cp) < 0) addUnknown(cp); } else if (cp <= 0xffff) bmpCounts[cp]!++;
    else astralCounts.set(cp, (astralCounts.get(cp) ?? 0) + 1);
  };
  for (const file of files) {
    let fileChars = 0, last = -1, size = 0;
    try {
      size = streamFile(file, buf, (text) => {
        for (let i = 0; i < text.length; i++) {
          const cp = text.codePointAt(i)!; // a surrogate pair is one code point; a lone surrogate is itself
          if (cp > 0xffff) i++;
          fileChars++;
          count(cp);
          last = cp;
        }
      }, (d) => progress?.(c.doneBytes + d));
    } catch (e) {
      if (!(e instanceof DataError) || explicit.has(path.resolve(file))) throw e;
      skipped.push({ path: file, reason: e.message });
      continue;
    }
    c.doneBytes += size;
    if (fileChars === 0) {
      if (explicit.has(path.resolve(file))) throw new DataError(`${file} is empty (only a byte order mark).`);
      skipped.push({ path: file, reason: 'empty file' });
      continue;
    }
    c.bytes += size;
    if (c.bytes > maxBytes) throw new DataError(`The text is too large: more than ${mb(maxBytes)} in ${c.files.length + 1} files; the limit is ${mb(maxBytes)}.`);
    c.chars += fileChars;
    c.files.push(file);
    c.sizes.push(fileChars);
    c.needsNewline.push(last !== 0x0a);
  }
  // separators between files
  for (let fi = 0; fi < c.files.length - 1; fi++) {
    if (!c.needsNewline[fi]) continue;
    c.chars++;
    count(0x0a);
  }
  if (!given) {
    for (let cp = 0; cp < 0x10000; cp++) if (bmpCounts[cp]! > 0) c.counts.set(cp, bmpCounts[cp]!);
    for (const [cp, n] of astralCounts) c.counts.set(cp, n);
  }
  return c;
}

/** Pass 2: encode every file into one preallocated id array (and, when asked, flag the unknown characters). */
function encodePass(c: Counted, vocab: Vocab, buf: Uint8Array, markUnknown: boolean, progress?: (done: number) => void): { ids: Uint16Array | Int32Array; mask?: Uint8Array } {
  const ids = vocab.size <= 0x10000 ? new Uint16Array(c.chars) : new Int32Array(c.chars); // (N)
  const mask = markUnknown ? new Uint8Array(c.chars) : undefined; // (N)
  let o = 0;
  let done = c.doneBytes;
  for (let fi = 0; fi < c.files.length; fi++) {
    const file = c.files[fi]!;
    const start = o;
    try {
      streamFile(file, buf, (text) => { o += vocab.encodeInto(text, ids, o, mask); }, (d) => progress?.(done + d));
    } catch (e) {
      if (e instanceof RangeError) throw new DataError(`${file} changed while it was being read; try again.`);
      throw e;
    }
    if (o - start !== c.sizes[fi]) throw new DataError(`${file} changed while it was being read; try again.`);
    done += fs.statSync(file).size;
    if (fi < c.files.length - 1 && c.needsNewline[fi]) {
      if (mask && !vocab.has(0x0a)) mask[o] = 1;
      ids[o++] = vocab.id(0x0a);
    }
  }
  if (o !== c.chars) throw new DataError('The text changed while it was being read; try again.');
  return { ids, mask };
}

/** a corpus from a string (the editor selection); empty text throws a DataError; a leading BOM is dropped */
export function corpusFromText(text: string, vocab?: Vocab, label = 'selection'): Corpus {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.length === 0) throw new DataError(`The ${label} is empty: there is no text to train on.`);
  const v = vocab ?? Vocab.fromText(text);
  const ids = v.size <= 0x10000 ? new Uint16Array(countCodePoints(text)) : new Int32Array(countCodePoints(text));
  v.encodeInto(text, ids, 0);
  let unknown = 0;
  const unknownCounts = new Map<number, number>();
  if (vocab) {
    for (const ch of text) {
      const cp = ch.codePointAt(0)!;
      if (vocab.lookup(cp) < 0) {
        unknown++;
        unknownCounts.set(cp, (unknownCounts.get(cp) ?? 0) + 1);
      }
    }
  }
  const corpus: Corpus = { ids, vocab: v, files: [label], chars: ids.length, bytes: Buffer.byteLength(text, 'utf8'), unknownChars: unknown };
  if (vocab) corpus.unknownSample = topUnknown(unknownCounts);
  return corpus;
}

// ---- helpers ----

/**
 * Reads `file` in chunks (default 4 MB), decodes with a streaming fatal UTF-8 decoder (BOM stripped),
 * and calls onText for each decoded piece. Checks the first chunk for binary content and throws a DataError for binary data or invalid UTF-8.
 * Returns the byte size. Only a few small strings are alive at a time.
 */
export function readTextChunks(file: string, onText: (text: string) => void, opts: { chunkBytes?: number; onBytes?: (done: number) => void } = {}): number {
  return streamFile(file, new Uint8Array(Math.max(4, Math.floor(opts.chunkBytes ?? DEFAULT_CHUNK_BYTES))), onText, opts.onBytes);
}

function streamFile(file: string, buf: Uint8Array, onText: (text: string) => void, onBytes?: (done: number) => void): number {
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

function readHead(file: string): Uint8Array {
  const fd = fs.openSync(file, 'r');
  try {
    const b = new Uint8Array(SNIFF_BYTES);
    const n = fs.readSync(fd, b, 0, SNIFF_BYTES, 0);
    return b.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
}

function statOrThrow(p: string): fs.Stats {
  try {
    return fs.statSync(p);
  } catch {
    throw new DataError(`${p} does not exist or cannot be read.`);
  }
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function topUnknown(counts: Map<number, number>): string[] {
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, 20).map(([cp]) => String.fromCodePoint(cp));
}

function mb(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MB` : bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${bytes} bytes`;
}
