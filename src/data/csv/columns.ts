/**
 * From a parsed table to a clean numeric series: time column detection and sorting, default target and features,
 * non-numeric columns listed with the reason, missing values interpolated or forward-filled (and counted).
 */
import { dateFamilies } from './dates';
import { DataError } from '../errors';
import type { CsvColumn, CsvTable } from './parse';
import { formatTime } from './time';

export type TimeKind = 'date' | 'index' | 'row';

export interface TimeChoice {
  /** the time column, or null when row order is the time */
  column: string | null;
  kind: TimeKind;
  /** plain words: why this column (or none) */
  reason: string;
}

export interface ExcludedColumn {
  name: string;
  reason: string;
}

export interface ColumnPlan {
  time: TimeChoice;
  /** numeric columns usable as target or feature (not the time column, not empty) */
  numeric: string[];
  /** columns left out, with the reason */
  excluded: ExcludedColumn[];
  defaultTargets: string[];
  /** by default every other usable numeric column */
  defaultFeatures: string[];
}

const TIME_NAME = /^(?:date|time|datetime|timestamp|ds|day|month|year|week|period|t|step|index|idx|hour)$|date|time|stamp/i;
const INDEX_NAME = /^(?:t|time|step|index|idx|id|#|n|no|year|period|unnamed: ?0|x|)$|index|step|year/i;
const TARGET_NAME = /^(?:y|value|values|target|close|sales|count|total|demand|load|price|passengers|volume|temp|temperature)$/i;

function isIntegerStrictlyMonotonic(v: Float64Array): { monotonic: boolean; regular: boolean } {
  if (v.length < 2) return { monotonic: false, regular: false };
  const first = v[1]! - v[0]!;
  let inc = true;
  let dec = true;
  let regular = true;
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    if (!Number.isFinite(x) || !Number.isInteger(x)) return { monotonic: false, regular: false };
    if (i > 0) {
      const d = x - v[i - 1]!;
      if (d <= 0) inc = false;
      if (d >= 0) dec = false;
      if (d !== first) regular = false;
    }
  }
  return { monotonic: inc || dec, regular };
}

/**
 * Chooses the time column. `time`: a column name to force one, null to use row order, undefined to detect:
 *   1. a date column (one named like date/time first);
 *   2. a numeric column of integers, strictly increasing or decreasing, named like an index (t, step, index, year...),
 *      or the first column when its step is constant;
 *   3. otherwise row order.
 */
export function detectTimeColumn(table: CsvTable, time?: string | null): TimeChoice {
  if (time === null) return { column: null, kind: 'row', reason: 'row order is used as time (chosen)' };
  if (time !== undefined) {
    const c = findColumn(table, time);
    if (c.kind === 'date') return { column: c.name, kind: 'date', reason: 'chosen' };
    if (c.kind === 'numeric') return { column: c.name, kind: 'index', reason: 'chosen' };
    throw new DataError(
      `The time column ${c.name} has ${c.kind === 'empty' ? 'no values' : `values that are neither dates nor numbers, e.g. '${c.example?.value}' (row ${c.example?.row})`}.`,
    );
  }
  const dates = table.columns.filter((c) => c.kind === 'date');
  if (dates.length) {
    const c = dates.find((d) => TIME_NAME.test(d.name)) ?? dates[0]!;
    return { column: c.name, kind: 'date', reason: `its values are dates (${c.dateFormat})` };
  }
  const numeric = table.columns.filter((c) => c.kind === 'numeric');
  for (const c of numeric) {
    if (!INDEX_NAME.test(c.name) && !TIME_NAME.test(c.name)) continue;
    const m = isIntegerStrictlyMonotonic(c.values!);
    if (m.monotonic) return { column: c.name, kind: 'index', reason: 'its name and its steadily increasing whole numbers look like a time index' };
  }
  const first = table.columns[0];
  if (first && first.kind === 'numeric' && numeric.length > 1) {
    const m = isIntegerStrictlyMonotonic(first.values!);
    if (m.monotonic && m.regular) return { column: first.name, kind: 'index', reason: 'the first column counts up in equal steps' };
  }
  return { column: null, kind: 'row', reason: 'no date or index column was found, so row order is used as time' };
}

/** a time column whose cells are written in more than one way (2020-01-05 beside Jan 5 2020) is refused, with both formats */
function refuseMixedDates(table: CsvTable, time: string | null | undefined): void {
  if (time === null) return;
  const t = detectTimeColumn(table, time);
  const c = t.column ? table.columns.find((x) => x.name === t.column) : undefined;
  if (!c || c.kind !== 'date' || !c.dateFormat) return;
  const fams = dateFamilies(c.dateFormat);
  if (fams.length > 1) throw new DataError(`The dates in ${c.name} are written in ${fams.length} ways (${fams.join(' and ')}): write them all the same way.`);
}

function exclusionReason(c: CsvColumn): string {
  if (c.kind === 'empty') return 'has no values';
  if (c.kind === 'date') return `has dates, not numbers (${c.dateFormat})`;
  const ex = c.example ? `, e.g. '${c.example.value}' (row ${c.example.row})` : '';
  const numbers = c.nonNumeric;
  return `is not numeric: ${numbers} value${numbers === 1 ? '' : 's'} ${numbers === 1 ? 'is' : 'are'} text${ex}`;
}

function findColumn(table: CsvTable, name: string): CsvColumn {
  const c = table.columns.find((x) => x.name === name) ?? table.columns.find((x) => x.name.toLowerCase() === name.toLowerCase());
  if (!c) throw new DataError(`There is no column named "${name}"; the columns are ${table.columns.map((x) => `"${x.name}"`).join(', ')}.`);
  return c;
}

/** the column choices for a UI or CLI: time column, usable numeric columns, excluded ones, defaults */
export function inspectColumns(table: CsvTable, opts: { time?: string | null } = {}): ColumnPlan {
  refuseTooFewRows(table);
  const time = detectTimeColumn(table, opts.time);
  const { numeric, excluded } = classify(table, time);
  if (numeric.length === 0) {
    const constant = excluded.find((e) => e.reason.startsWith('is constant'));
    if (constant && table.columns.filter((c) => c.kind === 'numeric' && c.name !== time.column).length === 1) {
      throw new DataError(`The only numeric column, ${constant.name}, ${constant.reason}: there is nothing to forecast.`);
    }
    const why = excluded
      .slice(0, 4)
      .map((e) => `${e.name} ${e.reason}`)
      .join('; ');
    throw new DataError(`${baseName(table.source)} has no numeric column to forecast${why ? ` (${why})` : ''}.`);
  }
  const target = numeric.find((n) => TARGET_NAME.test(n)) ?? numeric[0]!;
  return { time, numeric, excluded, defaultTargets: [target], defaultFeatures: numeric.filter((n) => n !== target) };
}

/** A series of one row is too short, not "constant": said before any column is judged. */
function refuseTooFewRows(table: CsvTable): void {
  if (table.rows < 2) {
    throw new DataError(
      `${baseName(table.source)} has ${table.rows === 1 ? 'only one data row' : 'no data rows'}: a time series needs at least two rows (a forecasting model needs a few windows of them).`,
    );
  }
}

/** usable numeric columns (not time, not empty, not constant) and the others with a reason */
function classify(table: CsvTable, time: TimeChoice): { numeric: string[]; excluded: ExcludedColumn[] } {
  const numeric: string[] = [];
  const excluded: ExcludedColumn[] = [];
  for (const c of table.columns) {
    if (c.name === time.column) continue;
    if (c.kind === 'numeric') {
      const v = c.values!;
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < v.length; i++) {
        const x = v[i]!;
        if (x < lo) lo = x;
        if (x > hi) hi = x;
      }
      if (lo === hi) excluded.push({ name: c.name, reason: `is constant (every value is ${lo})` });
      else numeric.push(c.name);
    } else excluded.push({ name: c.name, reason: exclusionReason(c) });
  }
  return { numeric, excluded };
}

export type FillMethod = 'interpolate' | 'ffill';

export interface SeriesOptions {
  /** time column name, null for row order, undefined to detect */
  time?: string | null;
  /** target column(s); default: plan.defaultTargets */
  targets?: string[];
  /** extra input columns; default: every other usable numeric column (plan.numeric minus the targets). Targets are always inputs too. */
  features?: string[];
  /** missing values: linear interpolation in time (default) or forward fill; leading gaps take the first value */
  fill?: FillMethod;
  /** long-format files (several series in one file): keep only the rows where `column` equals `value` */
  filter?: { column: string; value: string };
  /** inference on new data: do not refuse a constant target */
  allowConstantTarget?: boolean;
}

export interface Series {
  source: string;
  /** time values (epoch ms for 'date', the index for 'index'), ascending; null for row order */
  time: Float64Array | null;
  timeColumn: string | null;
  timeKind: TimeKind;
  /** median step between rows in time units (ms for dates), 1 for row order */
  step: number;
  /** columns of `values`: targets first, then features (C = columns.length) */
  columns: string[];
  targets: string[];
  features: string[];
  /** (n, C) row-major, original units, no NaN */
  values: Float64Array;
  n: number;
  C: number;
  /** how missing values were filled */
  fill: FillMethod;
  /** values filled per column (only columns with fills) */
  filled: Record<string, number>;
  excluded: ExcludedColumn[];
  notes: string[];
}

/**
 * Builds the clean series: picks columns, drops rows without a timestamp, sorts by time, refuses duplicate
 * timestamps, fills missing values, refuses a constant target. Every failure is a DataError with one line.
 */
export function buildSeries(table: CsvTable, opts: SeriesOptions = {}): Series {
  refuseMixedDates(table, opts.time);
  const explicit = !!(opts.targets && opts.targets.length && opts.features);
  // with explicit columns (e.g. inference with a stored spec) nothing is refused for the sake of defaults
  const plan: SeriesPlan = explicit
    ? (() => {
        const time = detectTimeColumn(table, opts.time);
        return { time, ...classify(table, time), defaultTargets: [] };
      })()
    : inspectColumns(table, { time: opts.time });
  const notes = [...table.notes];
  const { targetCols, featCols } = seriesColumns(table, plan, opts);
  const cols = [...targetCols, ...featCols];
  const { order, time } = seriesRows(table, plan, opts, notes);
  const n = order.length;
  const C = cols.length;
  if (n === 0) throw new DataError(`${baseName(table.source)} has no rows with a value in ${plan.time.column}.`);
  const values = new Float64Array(n * C); // (n,C)
  const filled: Record<string, number> = {};
  const method = opts.fill ?? 'interpolate';
  for (let j = 0; j < C; j++) {
    const src = cols[j]!.values!;
    const col = new Float64Array(n);
    for (let i = 0; i < n; i++) col[i] = src[order[i]!]!;
    const k = fillMissing(col, method, time);
    if (k < 0) throw new DataError(`${cols[j]!.name} has no values${plan.time.column ? ` in rows with a ${plan.time.column}` : ''}.`);
    if (k > 0) filled[cols[j]!.name] = k;
    for (let i = 0; i < n; i++) values[i * C + j] = col[i]!;
  }
  for (const [name, k] of Object.entries(filled)) {
    notes.push(
      `${k} missing value${k === 1 ? ' was' : 's were'} ${method === 'ffill' ? 'forward-filled' : 'interpolated'} in ${name} (${((100 * k) / n).toFixed(1)}%).`,
    );
  }
  for (let j = 0; j < targetCols.length && !opts.allowConstantTarget; j++) {
    const v0 = values[j]!;
    let constant = true;
    for (let i = 1; i < n && constant; i++) if (values[i * C + j] !== v0) constant = false;
    if (constant) throw new DataError(`The target ${cols[j]!.name} is constant (every value is ${v0}): there is nothing to forecast.`);
  }
  return {
    source: table.source,
    time,
    timeColumn: plan.time.column,
    timeKind: plan.time.kind,
    step: medianStep(time),
    columns: cols.map((c) => c.name),
    targets: targetCols.map((c) => c.name),
    features: featCols.map((c) => c.name),
    values,
    n,
    C,
    fill: method,
    filled,
    excluded: plan.excluded,
    notes,
  };
}

type SeriesPlan = Pick<ColumnPlan, 'time' | 'numeric' | 'excluded' | 'defaultTargets'>;

/** The target and feature columns: numeric, not the time column, none twice. */
function seriesColumns(table: CsvTable, plan: SeriesPlan, opts: SeriesOptions): { targetCols: CsvColumn[]; featCols: CsvColumn[] } {
  const targets = opts.targets && opts.targets.length ? opts.targets : plan.defaultTargets;
  const targetCols = targets.map((t) => findColumn(table, t));
  for (const c of targetCols) {
    if (c.name === plan.time.column) throw new DataError(`${c.name} is the time column; choose another target.`);
    if (c.kind !== 'numeric') throw new DataError(`The target ${c.name} ${exclusionReason(c)}.`);
  }
  const tnames = targetCols.map((c) => c.name);
  const featNames = (opts.features ?? plan.numeric.filter((n) => n !== opts.filter?.column)).filter((f) => !tnames.includes(findColumn(table, f).name));
  const featCols = featNames.map((f) => findColumn(table, f));
  for (const c of featCols) {
    if (c.name === plan.time.column) throw new DataError(`${c.name} is the time column; it cannot also be a feature.`);
    if (c.kind !== 'numeric') throw new DataError(`The feature ${c.name} ${exclusionReason(c)}.`);
  }
  const cols = [...targetCols, ...featCols];
  if (new Set(cols.map((c) => c.name)).size !== cols.length) throw new DataError('A column is listed twice among the targets and features.');
  return { targetCols, featCols };
}

/** The rows of the series: the filter's, those with a timestamp, in time order; duplicate timestamps refused. */
function seriesRows(table: CsvTable, plan: SeriesPlan, opts: SeriesOptions, notes: string[]): { order: Int32Array; time: Float64Array | null } {
  let rowsIn: number[] = Array.from({ length: table.rows }, (_, i) => i);
  if (opts.filter) {
    const fc = findColumn(table, opts.filter.column);
    const code = fc.categories ? fc.categories.indexOf(opts.filter.value.trim()) : -1;
    if (code < 0) {
      const vals = fc.categories ? `; its values are ${listValues(fc.categories)}` : '';
      throw new DataError(`The column ${fc.name} has no value "${opts.filter.value}"${vals}.`);
    }
    rowsIn = rowsIn.filter((i) => fc.codes![i] === code);
    notes.push(`Only the ${rowsIn.length} rows where ${fc.name} is "${opts.filter.value.trim()}" are used.`);
  }
  if (!plan.time.column) return { order: Int32Array.from(rowsIn), time: null };
  const rows = rowsIn.length;
  const tv = findColumn(table, plan.time.column).values!;
  const keep: number[] = [];
  for (const i of rowsIn) if (!Number.isNaN(tv[i]!)) keep.push(i);
  if (keep.length < rows) notes.push(`${rows - keep.length} row${rows - keep.length === 1 ? '' : 's'} without a value in ${plan.time.column} were left out.`);
  const sorted = keep.slice().sort((a, b) => tv[a]! - tv[b]! || a - b);
  if (sorted.some((r, i) => r !== keep[i])) notes.push(`Rows were sorted by ${plan.time.column} (the file is not in time order).`);
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1]!,
      b = sorted[i]!;
    if (tv[a] !== tv[b]) continue;
    const shown = plan.time.kind === 'date' ? formatTime(tv[a]!, 'date') : String(tv[a]);
    const g = opts.filter ? undefined : seriesIdColumn(table, tv, keep, plan.time.column);
    const hint = g
      ? `; the file seems to hold several series told apart by ${g.name} (${listValues(g.categories!)}): choose one of them`
      : '; aggregate or remove duplicates first';
    throw new DataError(
      `Duplicate timestamps in ${plan.time.column}: ${shown} appears in rows ${Math.min(a, b) + rowOffset(table)} and ${Math.max(a, b) + rowOffset(table)}${hint}.`,
    );
  }
  const order = Int32Array.from(sorted);
  const time = new Float64Array(order.length);
  for (let i = 0; i < order.length; i++) time[i] = tv[order[i]!]!;
  return { order, time };
}

/** the median step between consecutive times (1 for row order) */
function medianStep(time: Float64Array | null): number {
  if (!time || time.length < 2) return 1;
  const d = new Float64Array(time.length - 1);
  for (let i = 1; i < time.length; i++) d[i - 1] = time[i]! - time[i - 1]!;
  d.sort();
  return d[(d.length - 1) >> 1]!;
}

/**
 * Fills NaNs in place: 'interpolate' is linear in `time` (or in position), 'ffill' carries the last value.
 * Leading NaNs take the first value, trailing ones the last. Returns the count filled, or -1 if all are NaN.
 */
export function fillMissing(v: Float64Array, method: FillMethod = 'interpolate', time: Float64Array | null = null): number {
  const n = v.length;
  let first = -1;
  for (let i = 0; i < n; i++)
    if (!Number.isNaN(v[i]!)) {
      first = i;
      break;
    }
  if (first < 0) return n === 0 ? 0 : -1;
  let count = 0;
  for (let i = 0; i < first; i++) {
    v[i] = v[first]!;
    count++;
  }
  let prev = first;
  for (let i = first + 1; i < n; i++) {
    if (!Number.isNaN(v[i]!)) {
      if (i > prev + 1) {
        for (let k = prev + 1; k < i; k++) {
          if (method === 'ffill') v[k] = v[prev]!;
          else {
            const x0 = time ? time[prev]! : prev;
            const x1 = time ? time[i]! : i;
            const x = time ? time[k]! : k;
            const w = (x - x0) / (x1 - x0);
            v[k] = v[prev]! + w * (v[i]! - v[prev]!);
          }
          count++;
        }
      }
      prev = i;
    }
  }
  for (let k = prev + 1; k < n; k++) {
    v[k] = v[prev]!;
    count++;
  }
  return count;
}

/**
 * The column that tells the series of a long-format file apart: the first column (not the time column) with 2 or more
 * categories such that (time, value) pairs are unique. undefined if there is none.
 */
export function seriesIdColumn(table: CsvTable, tv: Float64Array, rows: number[], timeColumn: string): CsvColumn | undefined {
  for (const c of table.columns) {
    if (c.name === timeColumn || !c.codes || !c.categories || c.categories.length < 2) continue;
    const seen = new Set<string>();
    let unique = true;
    for (const i of rows) {
      const key = `${tv[i]}|${c.codes[i]}`;
      if (seen.has(key)) {
        unique = false;
        break;
      }
      seen.add(key);
    }
    if (unique) return c;
  }
  return undefined;
}

/** text columns a long-format file can be filtered on (2..50 distinct values), with their values, for pickers */
export function groupColumns(table: CsvTable): { name: string; values: string[] }[] {
  return table.columns
    .filter((c) => c.kind === 'text' && c.categories && c.categories.length >= 2 && c.categories.length <= 50)
    .map((c) => ({ name: c.name, values: c.categories!.slice() }));
}

function listValues(v: string[]): string {
  const shown = v.slice(0, 5).join(', ');
  return v.length > 5 ? `${shown}, … ${v.length} in all` : shown;
}

function rowOffset(table: CsvTable): number {
  return table.header ? 2 : 1; // data row i is file row i+2 with a header
}

function baseName(p: string): string {
  const i = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'));
  return i >= 0 ? p.slice(i + 1) : p;
}
