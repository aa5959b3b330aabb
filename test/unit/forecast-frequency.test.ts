/**
 * Time and frequency: YYYYMMDD numbers are dates, the frequency comes from the time column, the season from the
 * frequency checked against the data's autocorrelation (with the reason said), and forecast rows get real next dates.
 */
import assert from 'node:assert/strict';
import {
  asSeriesTable,
  buildSeries,
  chooseSeason,
  detectWide,
  formatTime,
  futureTimes,
  inferFrequency,
  parseCsvText,
  wideToLong,
  yyyymmddDates,
} from '../../src/data/csv';
import { throwsData } from './helpers';

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

describe('forecasting: more date formats, wide tables, and what is refused', () => {
  const csv = (header: string, rows: string[]) => parseCsvText([header, ...rows].join('\n'));

  it('quarters (1995Q1, 1995-Q2, Q3 1995) are dates on the quarter’s first day, and the frequency is quarterly', () => {
    const t = csv(
      'quarter,gdp',
      Array.from(
        { length: 12 },
        (_, i) => `${[`${1995 + (i >> 2)}Q${(i % 4) + 1}`, `${1995 + (i >> 2)}-Q${(i % 4) + 1}`, `Q${(i % 4) + 1} ${1995 + (i >> 2)}`][i % 3]},${100 + i}`,
      ),
    );
    const c = t.columns.find((x) => x.name === 'quarter')!;
    assert.equal(c.kind, 'date');
    assert.equal(formatTime(c.values![1]!, 'date'), '1995-04-01');
    assert.equal(inferFrequency(buildSeries(t, { targets: ['gdp'] })), 'quarterly');
  });

  it('Unix seconds and milliseconds are dates when the column is named like a time', () => {
    const start = Date.UTC(2021, 0, 1) / 1000;
    const s = csv(
      'timestamp,load',
      Array.from({ length: 48 }, (_, i) => `${start + 3600 * i},${50 + (i % 24)}`),
    );
    assert.equal(s.columns[0]!.kind, 'date');
    assert.equal(s.columns[0]!.dateFormat, 'Unix seconds');
    assert.equal(inferFrequency(buildSeries(s, { targets: ['load'] })), 'hourly');
    const ms = csv(
      'time_ms,load',
      Array.from({ length: 10 }, (_, i) => `${(start + 86400 * i) * 1000},${i}`),
    );
    assert.equal(ms.columns[0]!.dateFormat, 'Unix milliseconds');
    const plain = csv(
      'count,load',
      Array.from({ length: 10 }, (_, i) => `${start + i},${i}`),
    );
    assert.equal(plain.columns[0]!.kind, 'numeric', 'a column not named like a time stays a number');
  });

  it('a time column that mixes date formats is refused with one clear message', () => {
    const t = csv('date,y', ['2020-01-01,1', '2020-02-01,2', 'Mar 1 2020,3', '2020-04-01,4']);
    throwsData(() => buildSeries(t, { targets: ['y'] }), /written in 2 ways \(ISO and month name\)/);
    // ISO dates with and without a time are one way of writing
    const iso = csv('date,y', ['2020-01-01,1', '2020-01-02 06:00,2', '2020-01-03,3']);
    assert.equal(buildSeries(iso, { targets: ['y'] }).n, 3);
  });

  it('rows with no regular step have no frequency, and the season note says so', () => {
    const times = [0, 1, 3, 7, 15, 31, 63, 127, 255, 511].map((d) => Date.UTC(2020, 0, 1) + d * DAY);
    assert.equal(inferFrequency(series(times)), 'other');
    const x = Float64Array.from({ length: 10 }, (_, i) => i % 3);
    assert.match(chooseSeason(x, 'other').reason, /no calendar frequency/);
  });

  it('a wide table (a year column, 12 month columns) is recognised and read as one monthly series', () => {
    const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
    const rows = Array.from({ length: 5 }, (_, r) => [2015 + r, ...months.map((_, m) => (r === 4 && m > 8 ? '' : 100 + 12 * r + m))].join(','));
    const t = csv(`Year,${months.join(',')}`, rows);
    const shape = detectWide(t)!;
    assert.deepEqual([shape.yearColumn, shape.per, shape.periods[0], shape.periods[11]], ['Year', 12, 'Jan', 'Dec']);
    const long = wideToLong(t, shape);
    assert.equal(long.rows, 4 * 12 + 9, 'the last year’s unpublished months are dropped');
    const s = buildSeries(long, { targets: ['value'] });
    assert.equal(inferFrequency(s), 'monthly');
    assert.equal(formatTime(s.time![13]!, 'date'), '2016-02-01');
    assert.equal(s.values[13], 113);
    assert.match(long.notes.at(-1)!, /one monthly series: 5 rows of Year × 12 columns/);
    // quarters, and tables that are not wide
    const q = csv('year,Q1,Q2,Q3,Q4', ['2000,1,2,3,4', '2001,5,6,7,8']);
    assert.equal(detectWide(q)!.per, 4);
    assert.equal(detectWide(csv('year,Jan,Feb', ['2000,1,2', '2001,3,4'])), null, 'two months are not a wide table');
    assert.equal(asSeriesTable(q, false), q);
    throwsData(() => asSeriesTable(csv('date,y', ['2020-01-01,1', '2020-01-02,2']), true), /not a wide table/);
  });
});
