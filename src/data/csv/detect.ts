/** Sniffing a CSV's shape from its first rows: the delimiter, whether the first row is a header, the newline. */
import Papa from 'papaparse';
import { isMissingCell, parseDateCell, parseNumberCell } from './cells';

const DELIMITERS = [',', ';', '\t', '|'];
/** rows the header sniffing looks at */
export const HEADER_SNIFF_ROWS = 20;
/** characters the delimiter and newline sniffing look at */
export const SAMPLE_CHARS = 64 * 1024;

/**
 * Picks the delimiter from a sample: the candidate (',', ';', tab, '|') that splits the first rows into the
 * same number (>= 2) of fields most consistently; ties go to more fields, then to the order above.
 * A file with one column gives ','.
 */
export function detectDelimiter(sample: string): string {
  const lines = sample.length >= SAMPLE_CHARS ? sample.slice(0, sample.lastIndexOf('\n') + 1) || sample : sample;
  let best = ',';
  let bestScore = -1;
  let bestFields = 1;
  for (const d of DELIMITERS) {
    const rows = Papa.parse<string[]>(lines, { delimiter: d, preview: 50, skipEmptyLines: 'greedy' }).data;
    if (rows.length === 0) continue;
    const counts = new Map<number, number>();
    for (const r of rows) counts.set(r.length, (counts.get(r.length) ?? 0) + 1);
    let mode = 1;
    let modeN = 0;
    for (const [c, k] of counts) if (k > modeN || (k === modeN && c > mode)) [mode, modeN] = [c, k];
    if (mode < 2) continue;
    const score = modeN / rows.length;
    if (score > bestScore + 1e-9 || (Math.abs(score - bestScore) <= 1e-9 && mode > bestFields)) {
      best = d;
      bestScore = score;
      bestFields = mode;
    }
  }
  return best;
}

/** header when no cell of the first row is a number and at least one is not empty */
export function detectHeader(rows: string[][], delimiter = ','): boolean {
  const first = rows[0];
  if (!first) return false;
  let nonEmpty = 0;
  for (const c of first) {
    if (isMissingCell(c)) continue;
    nonEmpty++;
    if (!Number.isNaN(parseNumberCell(c, delimiter))) return false;
    if (parseDateCell(c)) return false;
  }
  return nonEmpty > 0;
}

export function detectNewline(sample: string): '\n' | '\r\n' | '\r' {
  const n = sample.indexOf('\n');
  const r = sample.indexOf('\r');
  if (r >= 0 && n === r + 1) return '\r\n';
  return r >= 0 && (n < 0 || r < n) ? '\r' : '\n';
}
