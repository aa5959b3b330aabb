/** Numeric columns that are dates (YYYYMMDD numbers, Unix times), and the families of formats a column may not mix. */

/**
 * Whole numbers written as YYYYMMDD (19990131) are dates when every one is a valid date between 1800 and 2200, and
 * the column is named like time or its values never decrease: then their times (ms since 1970, UTC), else null.
 */
export function yyyymmddDates(name: string, v: Float64Array): Float64Array | null {
  if (v.length < 2) return null;
  const out = new Float64Array(v.length);
  let sorted = true;
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    if (Number.isNaN(x)) {
      out[i] = NaN; // a missing cell stays missing
      continue;
    }
    if (!Number.isInteger(x) || x < 18000101 || x > 22001231) return null;
    const y = Math.floor(x / 10000),
      m = Math.floor(x / 100) % 100,
      d = x % 100;
    const t = Date.UTC(y, m - 1, d);
    const back = new Date(t);
    if (m < 1 || m > 12 || d < 1 || back.getUTCMonth() !== m - 1 || back.getUTCDate() !== d) return null;
    if (i > 0 && t < out[i - 1]!) sorted = false;
    out[i] = t;
  }
  return sorted || /date|time|day|period|^ds$/i.test(name) ? out : null;
}

/**
 * Whole numbers that are Unix times are dates when the column is named like one (time, timestamp, epoch, ts, unix,
 * date) and every value is in 1979–2099 as seconds (3e8 … 4.1e9) or as milliseconds (3e11 … 4.1e12).
 */
export function epochDates(name: string, v: Float64Array): { t: Float64Array; format: string } | null {
  if (v.length < 2 || !/time|epoch|^ts$|unix|date/i.test(name)) return null;
  let sec = true,
    ms = true;
  for (const x of v) {
    if (Number.isNaN(x)) continue;
    if (!Number.isInteger(x)) return null;
    if (!(x >= 3e8 && x <= 4.1e9)) sec = false;
    if (!(x >= 3e11 && x <= 4.1e12)) ms = false;
  }
  if (!sec && !ms) return null;
  return { t: sec ? v.map((x) => x * 1000) : Float64Array.from(v), format: sec ? 'Unix seconds' : 'Unix milliseconds' };
}

/** the families of date formats a column may not mix (ISO dates with and without a time are one family) */
export function dateFamilies(dateFormat: string): string[] {
  const fam = (f: string) => (f.startsWith('YYYY-MM') ? 'ISO' : f);
  return [...new Set(dateFormat.split(', ').map(fam))];
}
