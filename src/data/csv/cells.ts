/**
 * One CSV cell, read: missing markers (NA, N/A, -, …), numbers (thousands separators, decimal commas where the
 * delimiter allows them), and dates (ISO dates and datetimes, DD/MM/YYYY and MM/DD/YYYY, quarters, month names), as epoch ms (UTC).
 */
const NA = new Set(['', 'na', 'n/a', 'nan', 'null', 'none', '-', '?', '#n/a', 'missing', 'nil', '.']);

const NUM_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const THOUSANDS_RE = /^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$/;
const DECIMAL_COMMA_RE = /^[+-]?\d*,\d+(?:[eE][+-]?\d+)?$/;

/** true for an empty / NA cell */
export function isMissingCell(cell: string): boolean {
  const c = cell.charCodeAt(0);
  if (c >= 48 && c <= 57) return false; // starts with a digit: the usual case, no NA token does
  return NA.has(cell.trim().toLowerCase());
}

/**
 * A cell as a number, or NaN. Accepts plain decimals and exponents; with delimiter ',' also "1,234,567.8"
 * (thousands separators, only possible inside quotes); with delimiter ';' also a decimal comma "3,14".
 */
export function parseNumberCell(cell: string, delimiter = ','): number {
  const s = cell.trim();
  if (NUM_RE.test(s)) return Number(s);
  if (delimiter === ',') {
    if (THOUSANDS_RE.test(s)) return Number(s.replace(/,/g, ''));
  } else if (delimiter === ';' && DECIMAL_COMMA_RE.test(s)) return Number(s.replace(',', '.'));
  return NaN;
}

const ISO_RE = /^(\d{4})[-/.](\d{1,2})(?:[-/.](\d{1,2}))?(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;
const DMY_RE = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;
const MONTH_RE = /(?:^|[^a-z])(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*(?:$|[^a-z])/i;
const QUARTER_RE = /^(?:(\d{4})\s*[-/ ]?\s*Q([1-4])|Q([1-4])\s*[-/ ]?\s*(\d{4}))$/i;

function utc(y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): number {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return NaN;
  const t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const back = new Date(t);
  return back.getUTCDate() === d && back.getUTCMonth() === mo - 1 ? t : NaN; // refuses 2021-02-30
}

/** a parsed date cell: epoch ms (UTC); for day/month/year cells both readings (NaN when impossible) */
export interface DateCell {
  t: number;
  /** for 'a/b/yyyy': the day-first reading (t is the month-first one) */
  dayFirst?: number;
  format: string;
}

/**
 * A cell as a date, or null. Formats: ISO 'YYYY-MM-DD', 'YYYY-MM', with time and zone, also with '/' or '.';
 * 'MM/DD/YYYY' / 'DD/MM/YYYY' (both readings returned, the column decides); quarters ('1995Q1', '1995-Q1',
 * 'Q1 1995': the quarter's first day); strings with an English month name and a 4-digit year ('Jan 5 2020',
 * '5 January 2020'). Times without a zone are read as UTC.
 * Hand-written rather than date-fns or Luxon: those parse one format string given in advance, while a CSV column's
 * format is found from its cells (and DD/MM against MM/DD from all of them together, parse.ts); each format here is
 * one anchored regex and Date.UTC, checked by the tests.
 */
export function parseDateCell(cell: string): DateCell | null {
  const s = cell.trim();
  if (s.length < 6 || s.length > 40) return null;
  let m = ISO_RE.exec(s);
  if (m) {
    let t = utc(+m[1]!, +m[2]!, m[3] ? +m[3] : 1, m[4] ? +m[4] : 0, m[5] ? +m[5] : 0, m[6] ? +m[6] : 0, m[7] ? Math.round(+`0.${m[7]}` * 1000) : 0);
    if (Number.isNaN(t)) return null;
    if (m[8] && m[8].toUpperCase() !== 'Z') {
      const z = m[8].replace(':', '');
      const off = (z[0] === '-' ? -1 : 1) * (+z.slice(1, 3) * 60 + +z.slice(3, 5));
      t -= off * 60000;
    }
    return { t, format: m[3] ? (m[4] ? 'YYYY-MM-DD hh:mm' : 'YYYY-MM-DD') : 'YYYY-MM' };
  }
  m = QUARTER_RE.exec(s);
  if (m) return { t: Date.UTC(+(m[1] ?? m[4])!, 3 * (+(m[2] ?? m[3])! - 1), 1), format: 'YYYYQn' };
  m = DMY_RE.exec(s);
  if (m) {
    const a = +m[1]!;
    const b = +m[2]!;
    const y = +m[3]!;
    const h = m[4] ? +m[4] : 0;
    const mi = m[5] ? +m[5] : 0;
    const sec = m[6] ? +m[6] : 0;
    const md = utc(y, a, b, h, mi, sec);
    const dm = utc(y, b, a, h, mi, sec);
    if (Number.isNaN(md) && Number.isNaN(dm)) return null;
    return { t: md, dayFirst: dm, format: 'a/b/YYYY' };
  }
  if (MONTH_RE.test(s) && /\d{4}/.test(s)) {
    let t = Date.parse(`${s} UTC`);
    if (Number.isNaN(t)) t = Date.parse(s);
    if (!Number.isNaN(t)) return { t, format: 'month name' };
  }
  return null;
}
