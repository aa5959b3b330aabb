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

/** How often a series is observed, inferred from its time values. */
export type Frequency = 'hourly' | 'daily' | 'business days' | 'weekly' | 'monthly' | 'quarterly' | 'yearly' | 'other';

/** The seasons a frequency suggests, strongest first (checked against the data's autocorrelation before use). */
export const SEASONS_OF: Record<Frequency, number[]> = {
  hourly: [24, 168],
  daily: [7, 365],
  'business days': [5],
  weekly: [52],
  monthly: [12],
  quarterly: [4],
  yearly: [],
  other: [],
};

/**
 * The frequency of dated rows from the median step between them (gaps allowed): hourly, daily, weekly, monthly (28–31
 * days), quarterly (89–92), yearly (365–366); daily rows that skip weekends are business days. A whole-number index
 * named like a year counts as yearly. Anything else is 'other'.
 */
export function inferFrequency(series: Pick<Series, 'time' | 'timeKind' | 'timeColumn'>): Frequency {
  const t = series.time;
  if (!t || t.length < 3) return 'other';
  if (series.timeKind === 'index') return /year/i.test(series.timeColumn ?? '') && medianOf(t) === 1 ? 'yearly' : 'other';
  if (series.timeKind !== 'date') return 'other';
  const days = medianOf(t) / DAY;
  if (Math.abs(days * 24 - 1) < 0.05) return 'hourly';
  if (Math.abs(days - 1) < 0.05) return weekendsSkipped(t) ? 'business days' : 'daily';
  if (Math.abs(days - 7) < 0.1) return 'weekly';
  if (days >= 28 && days <= 31) return 'monthly';
  if (days >= 89 && days <= 92) return 'quarterly';
  if (days >= 365 && days <= 366) return 'yearly';
  return 'other';
}

function medianOf(t: Float64Array): number {
  const d: number[] = [];
  for (let i = 1; i < t.length; i++) d.push(t[i]! - t[i - 1]!);
  d.sort((a, b) => a - b);
  return d[Math.floor(d.length / 2)]!;
}

/** Daily steps with no Saturday or Sunday among the dates, and some three-day steps (the weekends). */
function weekendsSkipped(t: Float64Array): boolean {
  let weekend = 0,
    threeDay = 0;
  for (let i = 0; i < t.length; i++) {
    const wd = new Date(t[i]!).getUTCDay();
    if (wd === 0 || wd === 6) weekend++;
    if (i > 0 && Math.round((t[i]! - t[i - 1]!) / DAY) === 3) threeDay++;
  }
  return weekend === 0 && threeDay > 0;
}
