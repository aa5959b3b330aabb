/**
 * Time and frequency: YYYYMMDD numbers are dates, the frequency comes from the time column, the season from the
 * frequency checked against the data's autocorrelation (with the reason said), and forecast rows get real next dates.
 */
import assert from 'node:assert/strict';
import { buildSeries, chooseSeason, formatTime, futureTimes, inferFrequency, parseCsvText, yyyymmddDates } from '../../src/data/csv';

const DAY = 86400000;
const series = (times: number[], kind: 'date' | 'index' = 'date', timeColumn = 'date') => ({ time: Float64Array.from(times), timeKind: kind, timeColumn });

/** a seeded ±1 noise */
function noise(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1;
}

describe('forecasting: time, frequency and season', () => {
  it('YYYYMMDD numbers are read as dates (and other 8-digit numbers are not)', () => {
    const csv =
      'week,sales\n' +
      Array.from({ length: 30 }, (_, i) => `${new Date(Date.UTC(1999, 11, 27) + 7 * i * DAY).toISOString().slice(0, 10).replace(/-/g, '')},${10 + i}`).join(
        '\n',
      );
    const t = parseCsvText(csv);
    const c = t.columns.find((x) => x.name === 'week')!;
    assert.equal(c.kind, 'date');
    assert.equal(c.dateFormat, 'YYYYMMDD');
    assert.equal(formatTime(c.values![1]!, 'date'), '2000-01-03');
    const s = buildSeries(t, { targets: ['sales'] });
    assert.equal(s.timeKind, 'date');
    assert.equal(inferFrequency(s), 'weekly');
    const next = futureTimes(s, 2).map((x) => formatTime(x, 'date'));
    assert.deepEqual(next, ['2000-07-24', '2000-07-31'], 'the next rows are the next weeks, not 20001236');
    assert.equal(yyyymmddDates('id', Float64Array.of(20200131, 20200230)), null, 'not a date: February 30');
    assert.equal(yyyymmddDates('amount', Float64Array.of(20200105, 20200101)), null, 'decreasing, and not named like time');
    assert.equal(yyyymmddDates('amount', Float64Array.of(12345678, 20200101)), null);
  });

  it('infers hourly, daily, business-day, weekly, monthly, quarterly and yearly rows, with gaps', () => {
    const t0 = Date.UTC(2020, 0, 6); // a Monday
    const every = (n: number, step: number, skip = -1) => Array.from({ length: n }, (_, i) => t0 + i * step).filter((_, i) => i !== skip);
    assert.equal(inferFrequency(series(every(100, 3600000, 40))), 'hourly');
    assert.equal(inferFrequency(series(every(100, DAY, 10))), 'daily');
    const business = Array.from({ length: 140 }, (_, i) => t0 + i * DAY).filter((t) => ![0, 6].includes(new Date(t).getUTCDay()));
    assert.equal(inferFrequency(series(business)), 'business days');
    assert.equal(inferFrequency(series(every(60, 7 * DAY, 5))), 'weekly');
    const months = Array.from({ length: 36 }, (_, i) => Date.UTC(2018, i, 1));
    assert.equal(inferFrequency(series(months)), 'monthly');
    assert.equal(inferFrequency(series(Array.from({ length: 20 }, (_, i) => Date.UTC(2000, 3 * i, 1)))), 'quarterly');
    assert.equal(inferFrequency(series(Array.from({ length: 20 }, (_, i) => Date.UTC(1990 + i, 0, 1)))), 'yearly');
    assert.equal(
      inferFrequency(
        series(
          Array.from({ length: 20 }, (_, i) => 1990 + i),
          'index',
          'year',
        ),
      ),
      'yearly',
    );
    assert.equal(
      inferFrequency(
        series(
          Array.from({ length: 20 }, (_, i) => i),
          'index',
          'step',
        ),
      ),
      'other',
    );
  });

  it('takes the season from the frequency when the data agrees, finds it in the data when not, and says why', () => {
    const r = noise(5);
    const monthly = Array.from({ length: 120 }, (_, t) => 50 + 0.2 * t + 8 * Math.sin((2 * Math.PI * t) / 12) + 3 * Math.cos((2 * Math.PI * t) / 4) + r());
    const m = chooseSeason(monthly, 'monthly');
    assert.equal(m.season?.period, 12);
    assert.match(m.reason, /the data is monthly, and its autocorrelation at 12 is 0\.\d\d/);
    const flat = Array.from({ length: 120 }, () => r());
    const f = chooseSeason(flat, 'monthly');
    assert.equal(f.season, null);
    assert.match(f.reason, /No season.*autocorrelation at 12 is only/);
    const weekly = Array.from({ length: 200 }, (_, t) => (t % 7 >= 5 ? 20 : 10) + r());
    assert.equal(chooseSeason(weekly, 'daily').season?.period, 7);
    const odd = Array.from({ length: 300 }, (_, t) => 10 + 5 * Math.sin((2 * Math.PI * t) / 12) + 0.3 * r());
    const o = chooseSeason(odd, 'daily');
    assert.equal(o.season?.period, 12, 'daily rows that repeat every 12 rows');
    assert.match(o.reason, /found in the data.*the data is daily, but its autocorrelation at 7 is only/);
    assert.match(chooseSeason(monthly.slice(0, 20), 'monthly').reason, /12 needs 25 training rows, there are 20/);
  });
});
