/**
 * CSV parsing for time series: papaparse on string chunks (bounded memory for big files), delimiter and header
 * detection, quotes, BOM, CRLF, and per-column typing (numeric / date / text / empty) while streaming.
 *
 * Only numbers and dates are kept, one Float64Array per column (NaN = missing); text cells are not stored,
 * only counted with one example, so a million-row file costs about 8 bytes per cell.
 */
import * as fs from 'fs';
import * as path from 'path';
import Papa from 'papaparse';
import { isMissingCell, parseDateCell, parseNumberCell } from './cells';
import { epochDates, yyyymmddDates } from './dates';
export { dateFamilies, epochDates, yyyymmddDates } from './dates';
import { detectDelimiter, detectHeader, detectNewline, HEADER_SNIFF_ROWS, SAMPLE_CHARS } from './detect';
import { DataError } from '../errors';
import { readTextChunks } from '../decode';
import { DEFAULT_MAX_BYTES } from '../text';

export type ColumnKind = 'numeric' | 'date' | 'text' | 'empty';

export interface CsvColumn {
  name: string;
  kind: ColumnKind;
  /** (rows) numbers for 'numeric', epoch milliseconds (UTC) for 'date', NaN = missing; null for 'text' / 'empty' */
  values: Float64Array | null;
  /** empty or NA cells ('', NA, N/A, NaN, null, -, ?) */
  missing: number;
  /** cells that are neither missing nor of the column's kind (for 'text': cells that are not numbers) */
  nonNumeric: number;
  /** the first cell that is not a number, and its row (1-based, the header is row 1) */
  example?: { value: string; row: number };
  /** for 'date': how dates were read, e.g. 'YYYY-MM-DD', 'DD/MM/YYYY', 'month name' */
  dateFormat?: string;
  /** when the column has at most MAX_CATEGORIES distinct values: those values (trimmed, in order of appearance) */
  categories?: string[];
  /** (rows) index into categories per row, MISSING_CODE for a missing cell */
  codes?: Uint16Array;
}

export interface CsvTable {
  /** file path or label */
  source: string;
  delimiter: string;
  /** whether the first row was read as a header */
  header: boolean;
  /** data rows (without the header) */
  rows: number;
  columns: CsvColumn[];
  /** plain-words remarks (e.g. renamed duplicate headers, decimal commas) */
  notes: string[];
}

export interface CsvParseOptions {
  /** ',', ';', '\t' or '|'; detected when absent */
  delimiter?: string;
  /** whether the first row is a header; detected when absent */
  header?: boolean;
  /** size cap for files (default DEFAULT_MAX_BYTES) */
  maxBytes?: number;
  /** read size for files (default 4 MB; tests use small values) */
  chunkBytes?: number;
  /** label for messages when parsing text (default 'The CSV text') */
  label?: string;
}

// ---- column builder ----

class GrowArray {
  a = new Float64Array(1024);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Float64Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  take(): Float64Array {
    return this.a.length === this.n ? this.a : this.a.slice(0, this.n);
  }
}

/** distinct values kept per column for filtering long-format files (e.g. a 'symbol' column); more drops them */
export const MAX_CATEGORIES = 256;
/** code of a missing cell in CsvColumn.codes */
export const MISSING_CODE = 0xffff;

class GrowU16 {
  a = new Uint16Array(1024);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Uint16Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
}

class ColumnBuilder {
  cats: Map<string, number> | null = new Map();
  codes: GrowU16 | null = new GrowU16();
  num: GrowArray | null = new GrowArray();
  date: GrowArray | null = new GrowArray();
  dayFirst: GrowArray | null = null;
  monthFirstOk = true;
  dayFirstOk = true;
  missing = 0;
  numbers = 0;
  dates = 0;
  nonNumeric = 0;
  nonDate = 0;
  formats = new Set<string>();
  example?: { value: string; row: number };

  constructor(
    public name: string,
    private readonly delimiter: string,
  ) {}

  push(cell: string, row: number): void {
    if (this.cats) this.category(cell);
    if (isMissingCell(cell)) {
      this.missing++;
      this.num?.push(NaN);
      this.date?.push(NaN);
      this.dayFirst?.push(NaN);
      return;
    }
    const v = this.num ? parseNumberCell(cell, this.delimiter) : NaN;
    if (!Number.isNaN(v)) {
      this.numbers++;
      this.num!.push(v);
      this.nonDate++;
      this.date = this.dayFirst = null; // a plain number is not a date
      return;
    }
    this.nonNumeric++;
    if (!this.example) this.example = { value: cell.length > 40 ? `${cell.slice(0, 40)}…` : cell, row };
    this.num = null;
    if (!this.date) return;
    const d = parseDateCell(cell);
    if (!d) {
      this.nonDate++;
      this.date = this.dayFirst = null;
      return;
    }
    this.dates++;
    this.formats.add(d.format);
    if (d.dayFirst !== undefined) {
      if (!this.dayFirst) {
        // first ambiguous cell: earlier cells (other formats) read the same both ways
        this.dayFirst = new GrowArray();
        for (let i = 0; i < this.date.n; i++) this.dayFirst.push(this.date.a[i]!);
      }
      if (Number.isNaN(d.t)) this.monthFirstOk = false;
      if (Number.isNaN(d.dayFirst)) this.dayFirstOk = false;
      this.date.push(d.t);
      this.dayFirst.push(d.dayFirst);
    } else {
      this.date.push(d.t);
      this.dayFirst?.push(d.t);
    }
  }

  private category(cell: string): void {
    if (isMissingCell(cell)) {
      this.codes!.push(MISSING_CODE);
      return;
    }
    const key = cell.trim();
    let code = this.cats!.get(key);
    if (code === undefined) {
      if (this.cats!.size >= MAX_CATEGORIES) {
        this.cats = null;
        this.codes = null;
        return;
      }
      code = this.cats!.size;
      this.cats!.set(key, code);
    }
    this.codes!.push(code);
  }

  finish(notes: string[]): CsvColumn {
    const cat = this.cats && this.codes ? { categories: [...this.cats.keys()], codes: this.codes.a.slice(0, this.codes.n) } : {};
    const base = { name: this.name, missing: this.missing, nonNumeric: this.nonNumeric, example: this.example, ...cat };
    if (this.numbers === 0 && this.nonNumeric === 0) return { ...base, kind: 'empty', values: null };
    if (this.num && this.nonNumeric === 0) {
      const values = this.num.take();
      const dates = yyyymmddDates(this.name, values);
      if (dates) return { ...base, kind: 'date', values: dates, dateFormat: 'YYYYMMDD' };
      const epoch = epochDates(this.name, values);
      if (epoch) return { ...base, kind: 'date', values: epoch.t, dateFormat: epoch.format };
      return { ...base, kind: 'numeric', values };
    }
    if (this.date && this.nonDate === 0 && this.dates > 0) {
      let values = this.date.take();
      const formats = [...this.formats];
      let dateFormat = formats.join(', ');
      if (this.dayFirst) {
        const useDayFirst = !this.monthFirstOk && this.dayFirstOk;
        if (!this.monthFirstOk && !this.dayFirstOk) {
          return { ...base, kind: 'text', values: null, nonNumeric: this.nonNumeric };
        }
        if (useDayFirst) values = this.dayFirst.take();
        dateFormat = dateFormat.replace('a/b/YYYY', useDayFirst ? 'DD/MM/YYYY' : 'MM/DD/YYYY');
        if (this.monthFirstOk && this.dayFirstOk) notes.push(`Dates in ${this.name} could be day-first or month-first; read as MM/DD/YYYY.`);
      }
      return { ...base, kind: 'date', values, dateFormat };
    }
    return { ...base, kind: 'text', values: null };
  }
}

// ---- the streaming reader ----

/**
 * Feeds text chunks to papaparse, cut only at record boundaries (a newline outside quotes), so memory stays bounded
 * by the chunk size. Tracks quotes like papaparse: a quote opens a quoted field only at the start of a field.
 */
class CsvIngest {
  private pending = '';
  private scanPos = 0;
  private safe = 0;
  private inQuotes = false;
  private fieldStart = true;
  private delimiter = '';
  private newline: '\n' | '\r\n' | '\r' = '\n';
  private started = false;
  private header = false;
  private firstRows: string[][] = [];
  private cols: ColumnBuilder[] = [];
  private ncol = 0;
  private rowNo = 0; // 1-based record number in the file (header included)
  rows = 0;
  readonly notes: string[] = [];

  constructor(
    private readonly label: string,
    private readonly opts: CsvParseOptions,
  ) {}

  feed(text: string): void {
    if (!this.started && this.pending.length === 0 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    this.pending += text;
    if (!this.started) {
      if (this.pending.length < SAMPLE_CHARS) return;
      this.start();
    }
    this.scan(false);
  }

  end(): CsvTable {
    if (!this.started) {
      if (this.pending.trim().length === 0) throw new DataError(`${this.label} is empty.`);
      this.start();
    }
    this.scan(true);
    this.flushHeaderSniff();
    if (this.cols.length === 0 || (this.rows === 0 && this.header)) {
      throw new DataError(`${this.label} has a header but no data rows.`);
    }
    if (this.rows === 0) throw new DataError(`${this.label} is empty.`);
    const columns = this.cols.map((c) => c.finish(this.notes));
    return { source: this.label, delimiter: this.delimiter, header: this.header, rows: this.rows, columns, notes: this.notes };
  }

  private start(): void {
    const sample = this.pending.slice(0, SAMPLE_CHARS);
    this.delimiter = this.opts.delimiter ?? detectDelimiter(sample);
    if (this.delimiter.length !== 1) throw new DataError(`The CSV delimiter must be one character, not "${this.delimiter}".`);
    this.newline = detectNewline(sample);
    this.started = true;
  }

  /** finds the last record boundary, parses everything before it */
  private scan(final: boolean): void {
    const s = this.pending;
    const nl = this.newline === '\r' ? 13 : 10;
    const dl = this.delimiter.charCodeAt(0);
    let i = this.scanPos;
    for (; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (this.inQuotes) {
        if (c === 34) {
          if (i + 1 >= s.length && !final) break; // need the next char to know if it is an escaped quote
          if (s.charCodeAt(i + 1) === 34) i++;
          else this.inQuotes = false;
        }
        continue;
      }
      if (c === 34 && this.fieldStart) {
        this.inQuotes = true;
        this.fieldStart = false;
      } else if (c === nl) {
        this.safe = i + 1;
        this.fieldStart = true;
      } else if (c === dl) this.fieldStart = true;
      else if (c !== 13) this.fieldStart = false;
    }
    this.scanPos = i;
    const cut = final ? s.length : this.safe;
    if (cut === 0) return;
    this.parseRecords(s.slice(0, cut), final);
    this.pending = s.slice(cut);
    this.scanPos -= cut;
    this.safe = 0;
  }

  private parseRecords(text: string, final: boolean): void {
    const res = Papa.parse<string[]>(text, { delimiter: this.delimiter, newline: this.newline, quoteChar: '"', skipEmptyLines: 'greedy' });
    const bad = res.errors.find((e) => e.type === 'Quotes');
    if (bad) {
      const row = this.rowNo + (bad.row ?? 0) + 1;
      throw new DataError(
        bad.code === 'MissingQuotes'
          ? `${this.label}: a quoted field that starts in row ${row} is never closed.`
          : `${this.label}: row ${row} has a malformed quoted field (a closing quote followed by other characters).`,
      );
    }
    for (const r of res.data) this.record(r);
    if (final) this.flushHeaderSniff();
  }

  private record(r: string[]): void {
    if (this.cols.length === 0) {
      this.firstRows.push(r);
      if (this.firstRows.length >= HEADER_SNIFF_ROWS) this.flushHeaderSniff();
      return;
    }
    this.rowNo++;
    if (r.length !== this.ncol) {
      const ref = this.header ? 'the header has' : 'the first row has';
      throw new DataError(
        `${this.label}: row ${this.rowNo} has ${r.length} field${r.length === 1 ? '' : 's'} but ${ref} ${this.ncol} (ragged rows; the delimiter is ${delimName(this.delimiter)}).`,
      );
    }
    this.rows++;
    for (let j = 0; j < this.ncol; j++) this.cols[j]!.push(r[j]!, this.rowNo);
  }

  private flushHeaderSniff(): void {
    if (this.cols.length > 0 || this.firstRows.length === 0) return;
    const rows = this.firstRows;
    this.firstRows = [];
    this.header = this.opts.header ?? detectHeader(rows, this.delimiter);
    const first = rows[0]!;
    this.ncol = first.length;
    const names = this.header
      ? uniqueNames(
          first.map((c) => c.trim()),
          this.notes,
        )
      : first.map((_, j) => `column ${j + 1}`);
    this.cols = names.map((n) => new ColumnBuilder(n, this.delimiter));
    let start = 0;
    if (this.header) {
      this.rowNo = 1;
      start = 1;
    }
    for (let i = start; i < rows.length; i++) this.record(rows[i]!);
  }
}

function uniqueNames(raw: string[], notes: string[]): string[] {
  const seen = new Map<string, number>();
  return raw.map((n, j) => {
    let name = n === '' ? `column ${j + 1}` : n;
    const k = seen.get(name) ?? 0;
    seen.set(name, k + 1);
    if (k > 0) {
      const renamed = `${name} (${k + 1})`;
      notes.push(`Two columns are named "${name}"; the second is called "${renamed}".`);
      name = renamed;
    }
    return name;
  });
}

function delimName(d: string): string {
  return d === '\t' ? 'a tab' : d === ',' ? 'a comma' : d === ';' ? 'a semicolon' : `"${d}"`;
}

/** parses CSV text (e.g. an editor buffer); see parseCsvFile for the rules */
export function parseCsvText(text: string, opts: CsvParseOptions = {}): CsvTable {
  const ing = new CsvIngest(opts.label ?? 'The CSV text', opts);
  const STEP = 1 << 20;
  for (let i = 0; i < text.length; i += STEP) ing.feed(text.slice(i, i + STEP));
  return ing.end();
}

/**
 * Parses a CSV file in chunks (bounded memory: one chunk of text plus 8 bytes per numeric cell).
 * Throws a DataError with a one-line message for: missing / empty / binary / non-UTF-8 files, a header without
 * rows, ragged rows, unclosed quotes. Column-level problems (no numeric column, constant target...) are found by
 * inspectColumns / buildSeries.
 */
export function parseCsvFile(file: string, opts: CsvParseOptions = {}): CsvTable {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    throw new DataError(`${file} does not exist or cannot be read.`);
  }
  const label = path.basename(file);
  if (st.isDirectory()) throw new DataError(`${file} is a folder, not a CSV file.`);
  if (st.size === 0) throw new DataError(`${label} is empty.`);
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  if (st.size > maxBytes)
    throw new DataError(`${label} is too large: ${(st.size / 1048576).toFixed(1)} MB; the limit is ${(maxBytes / 1048576).toFixed(1)} MB.`);
  const ing = new CsvIngest(label, opts);
  readTextChunks(file, (t) => ing.feed(t), { chunkBytes: opts.chunkBytes });
  const table = ing.end();
  table.source = file;
  return table;
}
