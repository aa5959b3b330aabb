/**
 * Wide tables: one row per year and one column per month (or quarter), as statistics offices publish them. Read as
 * twelve (four) unrelated columns they make no forecast; read as one series, month after month, they do.
 * `detectWide` recognises the shape; `wideToLong` turns it into a two-column table (date, value) that the rest of
 * the pipeline reads like any other.
 */
import { DataError } from '../errors';
import type { CsvColumn, CsvTable } from './parse';

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

export interface WideShape {
  yearColumn: string;
  /** the period columns in calendar order */
  periods: string[];
  per: 12 | 4;
}

const FULL = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

/** the position (0-based) of a month ('Jan', 'jan.', 'January', 'Sept') or quarter ('Q1') column name, or -1 */
function periodIndex(name: string, per: 12 | 4): number {
  const n = name.trim().toLowerCase().replace(/\.$/, '');
  if (per === 4) {
    const q = /^q([1-4])$/.exec(n);
    return q ? +q[1]! - 1 : -1;
  }
  return n === 'sept' ? 8 : MONTHS.findIndex((m, i) => n === m || n === FULL[i]);
}

/** A year column (whole numbers 1000–2300, strictly increasing) beside all 12 month or all 4 quarter columns, or null. */
export function detectWide(table: CsvTable): WideShape | null {
  const year = table.columns.find((c) => {
    if (c.kind !== 'numeric' || !c.values || !/year|yr|^y$/i.test(c.name)) return false;
    const v = c.values;
    for (let i = 0; i < v.length; i++) if (!Number.isInteger(v[i]) || v[i]! < 1000 || v[i]! > 2300 || (i > 0 && v[i]! <= v[i - 1]!)) return false;
    return v.length >= 2;
  });
  if (!year) return null;
  for (const per of [12, 4] as const) {
    const slots: (CsvColumn | undefined)[] = Array.from({ length: per });
    for (const c of table.columns) {
      const i = periodIndex(c.name, per);
      if (i >= 0 && c.kind === 'numeric') slots[i] = c;
    }
    if (slots.every(Boolean)) return { yearColumn: year.name, periods: slots.map((c) => c!.name), per };
  }
  return null;
}

/** the wide table as one series: columns 'date' (the first day of each month or quarter) and 'value' */
export function wideToLong(table: CsvTable, shape: WideShape): CsvTable {
  const years = table.columns.find((c) => c.name === shape.yearColumn)!.values!;
  const cols = shape.periods.map((p) => table.columns.find((c) => c.name === p)!.values!);
  const n = years.length * shape.per;
  const t = new Float64Array(n),
    v = new Float64Array(n);
  for (let r = 0; r < years.length; r++)
    for (let p = 0; p < shape.per; p++) {
      t[r * shape.per + p] = Date.UTC(years[r]!, shape.per === 12 ? p : 3 * p, 1);
      v[r * shape.per + p] = cols[p]![r]!;
    }
  // trailing months not published yet (the current year's empty cells) are dropped, not interpolated
  let end = n;
  while (end > 0 && Number.isNaN(v[end - 1]!)) end--;
  if (end < 2) throw new DataError(`${table.source} has no values in its ${shape.per === 12 ? 'month' : 'quarter'} columns.`);
  const base = { missing: 0, nonNumeric: 0 };
  let missing = 0;
  for (let i = 0; i < end; i++) if (Number.isNaN(v[i]!)) missing++;
  return {
    ...table,
    rows: end,
    columns: [
      { ...base, name: 'date', kind: 'date', values: t.slice(0, end), dateFormat: shape.per === 12 ? 'YYYY-MM' : 'YYYYQn' },
      { ...base, name: 'value', kind: 'numeric', values: v.slice(0, end), missing },
    ],
    notes: [
      ...table.notes,
      `Read as one ${shape.per === 12 ? 'monthly' : 'quarterly'} series: ${years.length} rows of ${shape.yearColumn} × ${shape.per} columns (${shape.periods[0]} … ${shape.periods[shape.per - 1]}).`,
    ],
  };
}

/** the table to forecast from: as written, or, with `wide`, as one series (DataError when it is not a wide table) */
export function asSeriesTable(table: CsvTable, wide: boolean | undefined): CsvTable {
  if (!wide) return table;
  const shape = detectWide(table);
  if (!shape)
    throw new DataError(`${table.source} is not a wide table: it needs a year column and 12 month columns (Jan … Dec) or 4 quarter columns (Q1 … Q4).`);
  return wideToLong(table, shape);
}
