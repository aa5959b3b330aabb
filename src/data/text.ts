/**
 * Text input for char models: folder walking and corpus loading (the decoding itself is decode.ts).
 *
 * loadCorpus reads big files in chunks with a streaming fatal TextDecoder, in two passes (count, then encode
 * into ONE preallocated id array), so a 100 MB file never exists as several copies in memory.
 */
import * as fs from 'fs';
import * as path from 'path';
import { binaryReason, DEFAULT_CHUNK_BYTES, decodeTextBytes, findInvalidUtf8, readHead, streamFile, textEncodingOf } from './decode';
import { DataError } from './errors';
import { Vocab, countCodePoints } from './vocab';

export { DataError, isDataError } from './errors';

/** default cap on the total bytes of a corpus (and on each file found in a folder) */
export const DEFAULT_MAX_BYTES = 512 * 1024 * 1024;
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
  '.png',
  '.jpg',
  '.jpeg',
  '.gif',
  '.bmp',
  '.ico',
  '.webp',
  '.pdf',
  '.zip',
  '.gz',
  '.tgz',
  '.bz2',
  '.xz',
  '.7z',
  '.exe',
  '.dll',
  '.so',
  '.dylib',
  '.o',
  '.a',
  '.class',
  '.jar',
  '.wasm',
  '.onnx',
  '.bin',
  '.pt',
  '.pth',
  '.npy',
  '.mp3',
  '.mp4',
  '.wav',
  '.ogg',
  '.mov',
  '.woff',
  '.woff2',
  '.ttf',
  '.otf',
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
  if (counted.files.length === 0)
    throw new DataError(
      `No readable text in ${paths.join(', ')}: ${skipped
        .map((s) => `${path.basename(s.path)}: ${s.reason}`)
        .slice(0, 3)
        .join('; ')}.`,
    );
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
    const why = skipped.length
      ? ` (skipped ${skipped.length}: ${skipped
          .slice(0, 3)
          .map((s) => `${path.basename(s.path)}: ${s.reason}`)
          .join('; ')})`
      : '';
    throw new DataError(`No text files found in ${paths.join(', ')}${why}.`);
  }
  return { files: collected.files, explicit, skipped };
}

interface Counted {
  /** the files kept, their characters, and whether a newline joins each to the next */
  files: string[];
  sizes: number[];
  needsNewline: boolean[];
  chars: number;
  bytes: number;
  doneBytes: number;
  /** per code point (no given vocabulary), or the unknown ones (a given vocabulary) */
  counts: Map<number, number>;
  unknown: number;
  unknownCounts: Map<number, number>;
}

/** Pass 1: validate every file and count its code points (or, with a given vocabulary, the unknown ones). */
function countPass(
  files: string[],
  explicit: Set<string>,
  skipped: SkippedFile[],
  buf: Uint8Array,
  maxBytes: number,
  given: Vocab | undefined,
  progress?: (done: number) => void,
): Counted {
  const bmpCounts = new Float64Array(0x10000);
  const astralCounts = new Map<number, number>();
  const c: Counted = { files: [], sizes: [], needsNewline: [], chars: 0, bytes: 0, doneBytes: 0, counts: new Map(), unknown: 0, unknownCounts: new Map() };
  const addUnknown = (cp: number): void => {
    c.unknown++;
    c.unknownCounts.set(cp, (c.unknownCounts.get(cp) ?? 0) + 1);
  };
  const count = (cp: number): void => {
    if (given) {
      if (given.lookup(cp) < 0) addUnknown(cp);
    } else if (cp <= 0xffff) bmpCounts[cp]!++;
    else astralCounts.set(cp, (astralCounts.get(cp) ?? 0) + 1);
  };
  for (const file of files) {
    let fileChars = 0,
      last = -1,
      size = 0;
    try {
      size = streamFile(
        file,
        buf,
        (text) => {
          for (let i = 0; i < text.length; i++) {
            const cp = text.codePointAt(i)!; // a surrogate pair is one code point; a lone surrogate is itself
            if (cp > 0xffff) i++;
            fileChars++;
            count(cp);
            last = cp;
          }
        },
        (d) => progress?.(c.doneBytes + d),
      );
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
    if (c.bytes > maxBytes)
      throw new DataError(`The text is too large: more than ${mb(maxBytes)} in ${c.files.length + 1} files; the limit is ${mb(maxBytes)}.`);
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
function encodePass(
  c: Counted,
  vocab: Vocab,
  buf: Uint8Array,
  markUnknown: boolean,
  progress?: (done: number) => void,
): { ids: Uint16Array | Int32Array; mask?: Uint8Array } {
  const ids = vocab.size <= 0x10000 ? new Uint16Array(c.chars) : new Int32Array(c.chars); // (N)
  const mask = markUnknown ? new Uint8Array(c.chars) : undefined; // (N)
  let o = 0;
  let done = c.doneBytes;
  for (let fi = 0; fi < c.files.length; fi++) {
    const file = c.files[fi]!;
    const start = o;
    try {
      streamFile(
        file,
        buf,
        (text) => {
          o += vocab.encodeInto(text, ids, o, mask);
        },
        (d) => progress?.(done + d),
      );
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
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, 20)
    .map(([cp]) => String.fromCodePoint(cp));
}

function mb(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MB` : bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${bytes} bytes`;
}
