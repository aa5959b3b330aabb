/** Time values of a series: as text, and the next ones after its end. */
import type { Series, TimeKind } from './columns';

/** a time value as text: ISO date (date part only at midnight) for dates, the number otherwise */
export function formatTime(t: number, kind: TimeKind): string {
  if (kind !== 'date') return String(t);
  const iso = new Date(t).toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso.replace('.000Z', 'Z');
}

const DAY = 86400000;

/**
 * The time values of the next `steps` rows after the last one: calendar months (or quarters, years) when the
 * dates fall on the same day of the month each month; otherwise last + k * median step. Row order: n, n+1, ...
 */
export function futureTimes(series: Pick<Series, 'time' | 'timeKind' | 'step' | 'n'>, steps: number): number[] {
  const out: number[] = [];
  const t = series.time;
  if (!t || t.length === 0) {
    for (let k = 1; k <= steps; k++) out.push(series.n - 1 + k);
    return out;
  }
  const last = t[t.length - 1]!;
  const months = series.timeKind === 'date' ? calendarMonthStep(t) : 0;
  for (let k = 1; k <= steps; k++) {
    if (months > 0) {
      const d = new Date(last);
      out.push(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + k * months, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()));
    } else out.push(last + k * series.step);
  }
  return out;
}

/** 1, 3 or 12 when consecutive dates are that many calendar months apart on the same day of the month, else 0 */
function calendarMonthStep(t: Float64Array): number {
  if (t.length < 2) return 0;
  const span = (t[1]! - t[0]!) / DAY;
  const months = span >= 28 && span <= 31 ? 1 : span >= 89 && span <= 92 ? 3 : span >= 365 && span <= 366 ? 12 : 0;
  if (!months) return 0;
  const day = new Date(t[0]!).getUTCDate();
  for (let i = 1; i < t.length; i++) {
    const a = new Date(t[i - 1]!);
    const b = new Date(t[i]!);
    const diff = (b.getUTCFullYear() - a.getUTCFullYear()) * 12 + b.getUTCMonth() - a.getUTCMonth();
    if (diff !== months || b.getUTCDate() !== day) return 0;
  }
  return months;
}
