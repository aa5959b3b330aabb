import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as v8 from 'v8';
import * as vm from 'vm';
import {
  Windows,
  actualY,
  applyZScore,
  autocorrelation,
  buildSeries,
  compareWithBaselines,
  denormalizeY,
  detectDelimiter,
  detectHeader,
  detectSeason,
  detectTimeColumn,
  evaluateBaselines,
  fillMissing,
  fitZScore,
  formatTime,
  inspectColumns,
  invertZScore,
  meanForecast,
  metrics,
  parseCsvFile,
  parseCsvText,
  parseDateCell,
  parseNumberCell,
  persistenceForecast,
  prepareForecast,
  residualQuantiles,
  scoreForecast,
  seasonalNaiveForecast,
  splitChronological,
  validateZScore,
  forecastSpec,
  futureTimes,
  inferenceInput,
  validateForecastSpec,
  groupColumns,
  MAX_CATEGORIES,
  WindowBatcher,
  forecastCsvText,
  writeForecastCsv,
} from '../../src/data/csv';
import type { Series } from '../../src/data/csv';
import { tempDir, throwsData } from './helpers';

function tmpFile(name: string, content: string | Buffer): string {
  const d = tempDir('seqlab-csv-');
  const f = path.join(d, name);
  fs.writeFileSync(f, content);
  return f;
}

/** a series straight from numbers: rows of [target, ...features] */
function seriesOf(rows: number[][], names?: string[]): Series {
  const C = rows[0]!.length;
  const lines = [(names ?? ['y', ...Array.from({ length: C - 1 }, (_, j) => `f${j + 1}`)]).join(',')];
  for (const r of rows) lines.push(r.join(','));
  const table = parseCsvText(lines.join('\n'));
  return buildSeries(table, { time: null, targets: [table.columns[0]!.name], features: table.columns.slice(1).map((c) => c.name) });
}

const col = (t: ReturnType<typeof parseCsvText>, name: string) => t.columns.find((c) => c.name === name)!;

describe('data/csv parse', () => {
  it('cells: numbers, NA, thousands and decimal commas', () => {
    assert.strictEqual(parseNumberCell(' 3.5 '), 3.5);
    assert.strictEqual(parseNumberCell('-1e3'), -1000);
    assert.strictEqual(parseNumberCell('.5'), 0.5);
    assert.strictEqual(parseNumberCell('1,234,567.5', ','), 1234567.5);
    assert.strictEqual(parseNumberCell('3,14', ';'), 3.14);
    assert.ok(Number.isNaN(parseNumberCell('3,14', ',')));
    assert.ok(Number.isNaN(parseNumberCell('1,234', '\t')));
    assert.ok(Number.isNaN(parseNumberCell('0x10')));
    assert.ok(Number.isNaN(parseNumberCell('Infinity')));
    assert.ok(Number.isNaN(parseNumberCell('12 kg')));
  });

  it('cells: dates', () => {
    assert.strictEqual(parseDateCell('2020-03-01')!.t, Date.UTC(2020, 2, 1));
    assert.strictEqual(parseDateCell('2020-03')!.t, Date.UTC(2020, 2, 1));
    assert.strictEqual(parseDateCell('2020-03-01T10:30:00Z')!.t, Date.UTC(2020, 2, 1, 10, 30));
    assert.strictEqual(parseDateCell('2020-03-01 10:30:00+02:00')!.t, Date.UTC(2020, 2, 1, 8, 30));
    assert.strictEqual(parseDateCell('2020/03/01')!.t, Date.UTC(2020, 2, 1));
    assert.strictEqual(parseDateCell('Jan 5 2020')!.t, Date.UTC(2020, 0, 5));
    const amb = parseDateCell('03/04/2020')!;
    assert.strictEqual(amb.t, Date.UTC(2020, 2, 4));
    assert.strictEqual(amb.dayFirst, Date.UTC(2020, 3, 3));
    assert.ok(Number.isNaN(parseDateCell('13/04/2020')!.t));
    assert.strictEqual(parseDateCell('2021-02-30'), null);
    assert.strictEqual(parseDateCell('12.5'), null);
    assert.strictEqual(parseDateCell('sunny'), null);
  });

  it('detects delimiters, including ; with decimal commas, and tabs', () => {
    assert.strictEqual(detectDelimiter('a,b,c\n1,2,3\n4,5,6\n'), ',');
    assert.strictEqual(detectDelimiter('date;value\n2020-01-01;1,5\n2020-01-02;2\n2020-01-03;2,25\n'), ';');
    assert.strictEqual(detectDelimiter('a\tb\n1\t2\n'), '\t');
    assert.strictEqual(detectDelimiter('a|b\n1|2\n'), '|');
    assert.strictEqual(detectDelimiter('value\n1\n2\n'), ',');
  });

  it('detects a header', () => {
    assert.strictEqual(
      detectHeader([
        ['date', 'value'],
        ['2020-01-01', '3'],
      ]),
      true,
    );
    assert.strictEqual(
      detectHeader([
        ['2020-01-01', '3'],
        ['2020-01-02', '4'],
      ]),
      false,
    );
    assert.strictEqual(detectHeader([['1', '2']]), false);
  });

  it('parses quotes, BOM, CRLF, and types the columns', () => {
    const text = '\uFEFFdate,value,"note, quoted",empty\r\n2020-01-01,1.5,"a ""b""\r\nc",\r\n2020-01-02,NA,plain,\r\n2020-01-03,3,x,\r\n';
    const t = parseCsvText(text);
    assert.strictEqual(t.delimiter, ',');
    assert.strictEqual(t.header, true);
    assert.strictEqual(t.rows, 3);
    assert.deepStrictEqual(
      t.columns.map((c) => c.name),
      ['date', 'value', 'note, quoted', 'empty'],
    );
    assert.deepStrictEqual(
      t.columns.map((c) => c.kind),
      ['date', 'numeric', 'text', 'empty'],
    );
    assert.strictEqual(col(t, 'value').missing, 1);
    assert.deepStrictEqual(Array.from(col(t, 'value').values!), [1.5, NaN, 3]);
    assert.deepStrictEqual(col(t, 'note, quoted').example, { value: 'a "b"\r\nc', row: 2 });
    assert.strictEqual(col(t, 'date').values![2], Date.UTC(2020, 0, 3));
  });

  it('without a header, names columns and keeps the first row', () => {
    const t = parseCsvText('1;2,5\n3;4\n');
    assert.strictEqual(t.header, false);
    assert.strictEqual(t.delimiter, ';');
    assert.deepStrictEqual(
      t.columns.map((c) => c.name),
      ['column 1', 'column 2'],
    );
    assert.deepStrictEqual(Array.from(t.columns[1]!.values!), [2.5, 4]);
    const forced = parseCsvText('a,b\n1,2\n', { header: false });
    assert.strictEqual(forced.rows, 2);
    assert.strictEqual(forced.columns[0]!.kind, 'text');
  });

  it('day-first dates are recognized from the column', () => {
    const t = parseCsvText('d,v\n01/02/2020,1\n25/02/2020,2\n');
    assert.strictEqual(col(t, 'd').kind, 'date');
    assert.strictEqual(col(t, 'd').dateFormat, 'DD/MM/YYYY');
    assert.deepStrictEqual(Array.from(col(t, 'd').values!), [Date.UTC(2020, 1, 1), Date.UTC(2020, 1, 25)]);
    const us = parseCsvText('d,v\n02/01/2020,1\n02/25/2020,2\n');
    assert.strictEqual(col(us, 'd').dateFormat, 'MM/DD/YYYY');
  });

  it('renames duplicate headers', () => {
    const t = parseCsvText('x,x,\n1,2,3\n');
    assert.deepStrictEqual(
      t.columns.map((c) => c.name),
      ['x', 'x (2)', 'column 3'],
    );
    assert.ok(t.notes.some((n) => n.includes('x (2)')));
  });

  it('bad input: empty, header only, ragged rows, unclosed quotes', () => {
    throwsData(() => parseCsvText(''), /is empty/);
    throwsData(() => parseCsvText('\uFEFF\n\n  \n'), /is empty/);
    throwsData(() => parseCsvText('date,value\n'), /header but no data rows/);
    throwsData(() => parseCsvText('date,value\n\n'), /header but no data rows/);
    throwsData(() => parseCsvText('a,b,c\n1,2,3\n4,5\n6,7,8\n'), /row 3 has 2 fields but the header has 3 \(ragged rows; the delimiter is a comma\)/);
    throwsData(() => parseCsvText('a,b\n1,"2\n3,4\n'), /quoted field that starts in row \d+ is never closed/);
  });

  it('files: chunked reading equals text parsing; bad files refused', () => {
    const lines = ['time;température;ville'];
    for (let i = 0; i < 300; i++) lines.push(`${i};${(i * 0.5).toFixed(1).replace('.', ',')};"Zürich; ${i % 4}\n²"`);
    const text = lines.join('\r\n') + '\r\n';
    const f = tmpFile('t.csv', '\uFEFF' + text);
    const whole = parseCsvText(text);
    for (const chunkBytes of [7, 64, 1000]) {
      const t = parseCsvFile(f, { chunkBytes });
      assert.strictEqual(t.rows, 300);
      assert.strictEqual(t.delimiter, ';');
      assert.deepStrictEqual(
        t.columns.map((c) => [c.name, c.kind]),
        whole.columns.map((c) => [c.name, c.kind]),
      );
      assert.deepStrictEqual(Array.from(t.columns[1]!.values!), Array.from(whole.columns[1]!.values!));
      assert.strictEqual(t.columns[1]!.values![299], 149.5);
    }
    throwsData(() => parseCsvFile(tmpFile('e.csv', '')), /e\.csv is empty/);
    throwsData(() => parseCsvFile(tmpFile('h.csv', 'a,b\r\n')), /h\.csv has a header but no data rows/);
    throwsData(() => parseCsvFile(tmpFile('b.csv', Buffer.from([0x61, 0x2c, 0, 0, 0x0a]))), /binary/);
    throwsData(() => parseCsvFile(tmpFile('l.csv', Buffer.from('a,b\n1,caf\xe9\n', 'latin1'))), /not valid UTF-8/);
    throwsData(() => parseCsvFile('/nonexistent/x.csv'), /does not exist/);
  });

  it('a 200k-row file streams with bounded extra memory', async function () {
    this.timeout(60000);
    const d = tempDir('seqlab-csv-');
    const f = path.join(d, 'big.csv');
    const fd = fs.openSync(f, 'w');
    fs.writeSync(fd, 'step,value,label\n');
    let s = '';
    for (let i = 0; i < 200000; i++) {
      s += `${i},${(i % 97) / 7},"text ${i % 5}, quoted"\n`;
      if (s.length > 1 << 18) {
        fs.writeSync(fd, s);
        s = '';
      }
    }
    fs.writeSync(fd, s);
    fs.closeSync(fd);
    const size = fs.statSync(f).size;
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    gc();
    const used = () => {
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    const before = used();
    const rss0 = process.memoryUsage().rss;
    const t = parseCsvFile(f, { chunkBytes: 1 << 16 });
    const rssGrew = process.memoryUsage().rss - rss0;
    gc();
    await new Promise((r) => setImmediate(r)); // let array buffers of collected objects be released
    gc();
    const retained = used() - before;
    assert.strictEqual(t.rows, 200000);
    assert.deepStrictEqual(
      t.columns.map((c) => c.kind),
      ['numeric', 'numeric', 'text'],
    );
    assert.strictEqual(t.columns[1]!.values![199999], (199999 % 97) / 7);
    // kept: two Float64 columns (3.2 MB, growth slack up to 2x); the rows as strings would be several times that
    if (process.env.SEQLAB_MEMLOG) console.log(`kept ${retained} rss ${rssGrew} size ${size}`);
    assert.ok(retained < 8e6, `kept ${(retained / 1e6).toFixed(1)} MB after parsing a ${(size / 1e6).toFixed(1)} MB file`);
    assert.ok(rssGrew < 8 * size + 32e6, `rss grew ${(rssGrew / 1e6).toFixed(0)} MB for a ${(size / 1e6).toFixed(1)} MB file`);
    fs.rmSync(d, { recursive: true, force: true });
  });
});

describe('data/csv columns', () => {
  it('time: date column, index column, regular first column, row order, forced', () => {
    const dated = parseCsvText('id,when,v\n1,2020-01-02,5\n2,2020-01-01,6\n');
    assert.deepStrictEqual(detectTimeColumn(dated), { column: 'when', kind: 'date', reason: 'its values are dates (YYYY-MM-DD)' });
    const idx = parseCsvText('v,step\n5,10\n6,20\n7,35\n');
    assert.strictEqual(detectTimeColumn(idx).column, 'step');
    const firstReg = parseCsvText('k,v\n3,1\n5,9\n7,2\n');
    assert.strictEqual(detectTimeColumn(firstReg).column, 'k');
    const none = parseCsvText('a,b\n3,1\n1,9\n7,2\n');
    assert.deepStrictEqual(detectTimeColumn(none).column, null);
    assert.strictEqual(detectTimeColumn(dated, null).kind, 'row');
    assert.strictEqual(detectTimeColumn(dated, 'id').kind, 'index');
    throwsData(() => detectTimeColumn(dated, 'nope'), /no column named "nope"/);
  });

  it('lists excluded columns with reasons and picks defaults', () => {
    const t = parseCsvText('date,weather,temp,wind,flag\n2020-01-01,rain,1,3,1\n2020-01-02,sun,2,4,1\n2020-01-03,sun,3,,1\n');
    const plan = inspectColumns(t);
    assert.strictEqual(plan.time.column, 'date');
    assert.deepStrictEqual(plan.numeric, ['temp', 'wind']);
    assert.deepStrictEqual(plan.defaultTargets, ['temp']);
    assert.deepStrictEqual(plan.defaultFeatures, ['wind']);
    const reasons = Object.fromEntries(plan.excluded.map((e) => [e.name, e.reason]));
    assert.match(reasons.weather!, /not numeric: 3 values are text, e\.g\. 'rain' \(row 2\)/);
    assert.match(reasons.flag!, /constant/);
  });

  it('all non-numeric columns are refused', () => {
    throwsData(() => inspectColumns(parseCsvText('date,city\n2020-01-01,Paris\n2020-01-02,Rome\n')), /no numeric column to forecast \(city is not numeric/);
  });

  it('sorts by time, reports it, and refuses duplicate timestamps', () => {
    const s = buildSeries(parseCsvText('date,v\n2020-01-03,3\n2020-01-01,1\n2020-01-02,2\n'));
    assert.deepStrictEqual(Array.from(s.values), [1, 2, 3]);
    assert.deepStrictEqual(Array.from(s.time!), [Date.UTC(2020, 0, 1), Date.UTC(2020, 0, 2), Date.UTC(2020, 0, 3)]);
    assert.strictEqual(s.step, 86400000);
    assert.ok(s.notes.some((n) => /sorted by date/.test(n)));
    throwsData(
      () => buildSeries(parseCsvText('date,v\n2020-01-01,1\n2020-01-02,2\n2020-01-01,3\n')),
      /Duplicate timestamps in date: 2020-01-01 appears in rows 2 and 4/,
    );
  });

  it('long-format files: duplicate timestamps name the series column, and a filter picks one series', () => {
    const text = 'symbol,date,price\nA,2020-01-01,1\nA,2020-01-02,2\nA,2020-01-03,4\nB,2020-01-01,10\nB,2020-01-02,20\nB,2020-01-03,30\n';
    const t = parseCsvText(text);
    assert.deepStrictEqual(groupColumns(t), [{ name: 'symbol', values: ['A', 'B'] }]);
    throwsData(
      () => buildSeries(t),
      /Duplicate timestamps in date: 2020-01-01 appears in rows 2 and 5; the file seems to hold several series told apart by symbol \(A, B\): choose one of them/,
    );
    const b = buildSeries(t, { filter: { column: 'symbol', value: 'B' } });
    assert.deepStrictEqual(Array.from(b.values), [10, 20, 30]);
    assert.ok(b.notes.some((n) => /Only the 3 rows where symbol is "B"/.test(n)));
    throwsData(() => buildSeries(t, { filter: { column: 'symbol', value: 'C' } }), /symbol has no value "C"; its values are A, B/);
    const many = parseCsvText(['id,v', ...Array.from({ length: MAX_CATEGORIES + 1 }, (_, i) => `k${i},${i}`)].join('\n'));
    assert.strictEqual(many.columns[0]!.categories, undefined);
    assert.strictEqual(parseCsvText('a,v\nx,1\n,2\n').columns[0]!.codes![1], 0xffff);
  });

  it('refuses a constant target and a non-numeric target', () => {
    throwsData(() => buildSeries(parseCsvText('t,v,w\n1,5,1\n2,5,2\n3,5,3\n'), { targets: ['v'] }), /target v is constant \(every value is 5\)/);
    throwsData(() => buildSeries(parseCsvText('t,v\n1,5\n2,5\n3,5\n')), /only numeric column, v, is constant/);
    throwsData(() => buildSeries(parseCsvText('t,v,c\n1,5,a\n2,6,b\n'), { targets: ['c'] }), /target c is not numeric/);
  });

  it('targets first then features; missing values filled and counted', () => {
    const s = buildSeries(parseCsvText('date,a,b\n2020-01-01,1,10\n2020-01-02,,\n2020-01-04,4,\n2020-01-05,5,50\n'), { targets: ['b'] });
    assert.deepStrictEqual(s.columns, ['b', 'a']);
    assert.deepStrictEqual(s.filled, { b: 2, a: 1 });
    // time-weighted: a at Jan 2 is 1 + (1/3)*(4-1) = 2; b at Jan 2 = 10 + (1/4)*40 = 20, Jan 4 = 40
    assert.deepStrictEqual(Array.from(s.values), [10, 1, 20, 2, 40, 4, 50, 5]);
    assert.ok(s.notes.some((n) => /2 missing values were interpolated in b/.test(n)));
    const f = buildSeries(parseCsvText('t,v\n1,\n2,3\n3,\n4,7\n5,\n'), { fill: 'ffill' });
    assert.deepStrictEqual(Array.from(f.values), [3, 3, 3, 7, 7]);
    assert.deepStrictEqual(f.filled, { v: 3 });
  });

  it('fillMissing edge cases', () => {
    const v = new Float64Array([NaN, NaN, 2, NaN, 6, NaN]);
    assert.strictEqual(fillMissing(v), 4);
    assert.deepStrictEqual(Array.from(v), [2, 2, 2, 4, 6, 6]);
    assert.strictEqual(fillMissing(new Float64Array([NaN, NaN])), -1);
    assert.strictEqual(formatTime(Date.UTC(2020, 0, 2), 'date'), '2020-01-02');
    assert.strictEqual(formatTime(Date.UTC(2020, 0, 2, 3), 'date'), '2020-01-02T03:00:00Z');
  });
});

describe('data/csv split, normalize, window', () => {
  it('splits chronologically 70/20/10', () => {
    assert.deepStrictEqual(splitChronological(100), { train: [0, 70], val: [70, 90], test: [90, 100] });
    assert.deepStrictEqual(splitChronological(10, { train: 0.8, val: 0.2, test: 0 }), { train: [0, 8], val: [8, 10], test: [10, 10] });
    throwsData(() => splitChronological(100, { train: 0.5, val: 0.2, test: 0.1 }), /add up to 1/);
    throwsData(() => splitChronological(100, { train: 0, val: 0.5, test: 0.5 }), /train > 0/);
  });

  it('z-score statistics come from the training rows only and round-trip through JSON', () => {
    const values = new Float64Array([1, 10, 2, 20, 3, 30, 100, 1000]); // (4,2); row 3 is an outlier outside train
    const st = fitZScore(values, 2, [0, 3], ['a', 'b']);
    assert.deepStrictEqual(st.mean, [2, 20]);
    assert.ok(Math.abs(st.std[0]! - Math.sqrt(2 / 3)) < 1e-12);
    const back = validateZScore(JSON.parse(JSON.stringify(st)));
    const z = applyZScore(values, back);
    assert.ok(Math.abs(z[0]! + Math.sqrt(1.5)) < 1e-6);
    assert.ok(Math.abs(invertZScore(z[6]!, back, 0) - 100) < 1e-3);
    assert.deepStrictEqual(fitZScore(new Float64Array([5, 5, 5]), 1, [0, 3], ['c']).std, [1]);
    throwsData(() => validateZScore({ columns: ['a'], mean: [0], std: [0] }), /damaged/);
  });

  it('windows: X (N,W,F), Y (N,H*K), lookback may reach into the previous part, batch is time-major', () => {
    const rows = Array.from({ length: 20 }, (_, i) => [i, 100 + i]);
    const s = seriesOf(rows);
    const fd = prepareForecast(s, { window: 3, horizon: 2, relative: false });
    assert.deepStrictEqual(fd.ranges, { train: [0, 14], val: [14, 18], test: [18, 20] });
    assert.strictEqual(fd.train.N, 14 - 2 + 1 - 3);
    assert.strictEqual(fd.val.N, 3);
    assert.strictEqual(fd.test.N, 1);
    assert.strictEqual(fd.test.rowOf(0), 18);
    // check in original units through the stats
    const inv = (x: number, c: number) => Math.round(invertZScore(x, fd.stats, c));
    const { X, Y } = fd.val.materialize();
    assert.strictEqual(X.length, 3 * 3 * 2);
    assert.strictEqual(Y.length, 3 * 2);
    // val sample 0: targets rows 14,15; inputs rows 11,12,13 (from train)
    assert.deepStrictEqual([inv(X[0]!, 0), inv(X[1]!, 1), inv(X[2]!, 0), inv(X[4]!, 0)], [11, 111, 12, 13]);
    assert.deepStrictEqual([inv(Y[0]!, 0), inv(Y[1]!, 0)], [14, 15]);
    const xb = new Float32Array(3 * 2 * 2);
    const yb = new Float32Array(2 * 2);
    fd.val.batch([2, 0], xb, yb);
    for (let w = 0; w < 3; w++) {
      for (let f = 0; f < 2; f++) {
        assert.strictEqual(xb[(w * 2 + 0) * 2 + f], X[(2 * 3 + w) * 2 + f]);
        assert.strictEqual(xb[(w * 2 + 1) * 2 + f], X[(0 * 3 + w) * 2 + f]);
      }
    }
    assert.deepStrictEqual(Array.from(yb), [Y[4], Y[5], Y[0], Y[1]]);
    assert.throws(() => fd.val.batch([3], xb, yb), RangeError);
    // normalization: training rows only
    assert.strictEqual(fd.stats.mean[0], 6.5);
    assert.strictEqual(fd.deltaScale, null);
    const back = fd.val.toOriginal(Y);
    assert.deepStrictEqual(Array.from(back, Math.round), [14, 15, 15, 16, 16, 17]);
  });

  it('relative mode (default): targets seen as changes from the last value, and mapped back exactly', () => {
    // a trending series with a feature: y = 2i + small wiggle, f = i % 3
    const rows = Array.from({ length: 40 }, (_, i) => [2 * i + (i % 2) * 0.5, i % 3]);
    const fd = prepareForecast(seriesOf(rows), { window: 4, horizon: 2 });
    assert.ok(fd.deltaScale && fd.deltaScale.length === 1);
    // s = RMS of one-step changes of the z-scored target on train
    const [s0, e0] = fd.ranges.train;
    let ss = 0;
    for (let i = s0 + 1; i < e0; i++) ss += (fd.data[i * 2]! - fd.data[(i - 1) * 2]!) ** 2;
    assert.ok(Math.abs(fd.deltaScale[0]! - Math.sqrt(ss / (e0 - s0 - 1))) < 1e-6);
    const w = fd.test;
    const x = new Float32Array(4 * 2);
    const y = new Float32Array(2);
    w.fillX(0, x);
    w.fillY(0, y);
    const r = w.rowOf(0);
    const ds = fd.deltaScale[0]!;
    for (let t = 0; t < 4; t++) {
      const zt = fd.data[(r - 4 + t) * 2]!;
      assert.ok(Math.abs(x[t * 2]! - (zt - fd.data[(r - 1) * 2]!) / ds) < 1e-5, 'target column relative to the last row');
      assert.strictEqual(x[t * 2 + 1], fd.data[(r - 4 + t) * 2 + 1], 'features stay z-scored');
    }
    assert.strictEqual(x[3 * 2], 0);
    assert.ok(Math.abs(y[0]! - (fd.data[r * 2]! - fd.data[(r - 1) * 2]!) / ds) < 1e-5);
    // batch = fillX/fillY in time-major layout
    const xb = new Float32Array(4 * 2 * 2);
    const yb = new Float32Array(2 * 2);
    w.batch([1, 0], xb, yb);
    for (let t = 0; t < 4; t++) for (let f = 0; f < 2; f++) assert.strictEqual(xb[(t * 2 + 1) * 2 + f], x[t * 2 + f]);
    assert.deepStrictEqual([yb[2], yb[3]], [y[0], y[1]]);
    // perfect outputs map back to the actual values; zeros map back to persistence
    const { Y } = w.materialize();
    const back = w.toOriginal(Y);
    const actual = actualY(fd, w);
    back.forEach((v, i) => assert.ok(Math.abs(v - actual[i]!) < 1e-3, `${v} vs ${actual[i]}`));
    const zeros = w.toOriginal(new Float32Array(Y.length));
    const pers = persistenceForecast(fd, w);
    zeros.forEach((v, i) => assert.ok(Math.abs(v - pers[i]!) < 1e-3));
  });

  it('too few rows for window + horizon, and parts shorter than the horizon, are refused', () => {
    const short = seriesOf(Array.from({ length: 10 }, (_, i) => [i * i]));
    throwsData(() => prepareForecast(short, { window: 8, horizon: 4 }), /The series has 10 rows; a window of 8 plus a horizon of 4 needs at least 12/);
    throwsData(() => prepareForecast(short, { window: 6, horizon: 2 }), /training part has 7 rows/);
    throwsData(() => prepareForecast(short, { window: 2, horizon: 3 }), /validation part has 2 rows, fewer than the horizon of 3/);
    throwsData(() => prepareForecast(short, { window: 2, horizon: 2 }), /test part has 1 row, fewer than the horizon of 2/);
    throwsData(() => prepareForecast(short, { window: 0 }), /window must be/);
    const flatTrain = seriesOf([...Array.from({ length: 14 }, () => [7]), [8], [9], [10], [11], [12], [13]]);
    throwsData(() => prepareForecast(flatTrain, { window: 2 }), /constant in the training part/);
  });

  it('Windows class directly', () => {
    const data = Float32Array.from({ length: 10 }, (_, i) => i); // (10,1)
    const w = new Windows(data, 1, 1, [0, 10], 4, 1);
    assert.strictEqual(w.N, 6);
    const x = new Float32Array(4);
    w.fillX(5, x);
    assert.deepStrictEqual(Array.from(x), [5, 6, 7, 8]);
    const y = new Float32Array(1);
    w.fillY(5, y);
    assert.deepStrictEqual(Array.from(y), [9]);
  });
});

describe('data/csv baselines and metrics', () => {
  it('metrics', () => {
    const m = metrics([1, 2, 4], [2, 2, 2]);
    assert.strictEqual(m.mae, 1);
    assert.ok(Math.abs(m.rmse - Math.sqrt(5 / 3)) < 1e-12);
    assert.ok(Math.abs(m.mape! - (100 / 3) * 1.5) < 1e-9);
    const z = metrics([1, 1], [0, 2]);
    assert.strictEqual(z.mapeSkipped, 1);
    assert.strictEqual(z.mape, 50);
    assert.strictEqual(metrics([1], [0]).mape, null);
    assert.throws(() => metrics([1], [1, 2]), RangeError);
  });

  it('season detection: finds the period of a noisy seasonal series with trend, none in noise or a random walk', () => {
    let seed = 1;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5;
    const seasonal = Array.from({ length: 600 }, (_, i) => 5 * Math.sin((2 * Math.PI * i) / 12) + 0.05 * i + rnd());
    assert.strictEqual(detectSeason(seasonal)!.period, 12);
    // a broad, noisy yearly peak: the top of the hump (near 365), not its first wiggle
    const yearly = Array.from({ length: 1100 }, (_, i) => 8 * Math.sin((2 * Math.PI * i) / 365) + 3 * rnd());
    assert.ok(Math.abs(detectSeason(yearly)!.period - 365) <= 3, `period ${detectSeason(yearly)!.period}`);
    const weekly = Array.from({ length: 400 }, (_, i) => [3, 1, 0, 0, 1, 6, 8][i % 7]! + rnd());
    assert.strictEqual(detectSeason(weekly)!.period, 7);
    assert.strictEqual(detectSeason(Array.from({ length: 600 }, rnd)), null);
    let x = 0;
    assert.strictEqual(detectSeason(Array.from({ length: 600 }, () => (x += rnd()))), null);
    const acf = autocorrelation([1, -1, 1, -1, 1, -1], 2);
    assert.ok(Math.abs(acf[0]! - 1) < 1e-12 && acf[1]! < -0.8 && acf[2]! > 0.6);
  });

  it('persistence, seasonal naive and mean on known series', () => {
    const period = [1, 5, 2, 8];
    const s = seriesOf(Array.from({ length: 80 }, (_, i) => [period[i % 4]! + i * 0]));
    const fd = prepareForecast(s, { window: 8, horizon: 3 });
    const actual = actualY(fd, fd.test);
    const sn = seasonalNaiveForecast(fd, fd.test, 4);
    assert.deepStrictEqual(Array.from(sn), Array.from(actual), 'seasonal naive is exact on a purely periodic series');
    const p = persistenceForecast(fd, fd.test);
    const r0 = fd.test.rowOf(0);
    assert.deepStrictEqual(Array.from(p.subarray(0, 3)), [period[(r0 - 1) % 4], period[(r0 - 1) % 4], period[(r0 - 1) % 4]]);
    const m = meanForecast(fd, fd.test);
    assert.strictEqual(m[0], 4);
    const rep = evaluateBaselines(fd);
    assert.strictEqual(rep.season!.period, 4);
    assert.strictEqual(rep.season!.detected, true);
    const byName = Object.fromEntries(rep.results.map((r) => [r.name, r.metrics]));
    assert.strictEqual(byName['seasonal naive']!.rmse, 0);
    assert.ok(byName.persistence!.rmse > 1);
    const forced = evaluateBaselines(fd, { season: null });
    assert.deepStrictEqual(
      forced.results.map((r) => r.name),
      ['persistence', 'drift', 'training mean', 'ETS', 'Theta'],
    );
    // the statistical methods learn the season too: AutoETS and Theta forecast the periodic series almost exactly
    assert.ok(byName.ETS!.rmse < 0.05 && byName.Theta!.rmse < 0.05, `ETS ${byName.ETS!.rmse}, Theta ${byName.Theta!.rmse}`);
    assert.match(rep.notes.join(' '), /ETS: \w+ by AICc/);
    assert.strictEqual(rep.maseScale, null, 'a series that repeats exactly has no MASE scale');
  });

  it('drift is exact on a line; MASE is scaled by the in-sample naive error; sMAPE is symmetric', () => {
    const s = seriesOf(Array.from({ length: 60 }, (_, i) => [3 + 2 * i]));
    const fd = prepareForecast(s, { window: 5, horizon: 3 });
    const rep = evaluateBaselines(fd, { season: null });
    const by = Object.fromEntries(rep.results.map((r) => [r.name, r]));
    assert.ok(by.drift!.metrics.rmse < 1e-9, `drift rmse ${by.drift!.metrics.rmse}`);
    assert.ok(Math.abs(rep.maseScale! - 2) < 1e-9, 'persistence errs by 2 per step in the training part');
    assert.ok(Math.abs(by.persistence!.mase! - 4 / 2) < 1e-9, 'persistence errs by 2, 4 and 6 over the horizon: MAE 4, MASE 2');
    const m = metrics([110, 90], [100, 100]);
    assert.ok(Math.abs(m.smape! - (100 * (20 / 210 + 20 / 190)) / 2) < 1e-9, `sMAPE ${m.smape}`);
    assert.strictEqual(metrics([0], [0]).smape, null);
  });

  it('model scoring, plain verdict, residual intervals', () => {
    const s = seriesOf(Array.from({ length: 100 }, (_, i) => [i % 2 ? 10 + i : i]));
    const fd = prepareForecast(s, { window: 4, horizon: 1 });
    const actual = actualY(fd, fd.test);
    const base = evaluateBaselines(fd, { season: null });
    // a model that outputs the true targets is perfect (relative mode through toOriginal, level mode through denormalizeY)
    const norm = new Float32Array(fd.test.N);
    for (let j = 0; j < fd.test.N; j++) fd.test.fillY(j, norm, j);
    const perfect = scoreForecast(fd.test.toOriginal(norm), actual, 1);
    const lv = prepareForecast(s, { window: 4, horizon: 1, relative: false });
    const lvY = new Float32Array(lv.test.N);
    for (let j = 0; j < lv.test.N; j++) lv.test.fillY(j, lvY, j);
    assert.ok(scoreForecast(denormalizeY(lvY, lv.stats, 1), actual, 1).metrics.rmse < 1e-3);
    assert.ok(perfect.metrics.rmse < 1e-3);
    assert.match(compareWithBaselines(perfect.metrics, base).summary, /the best method on the test windows: MASE/);
    const bad = compareWithBaselines(metrics(new Float64Array(actual.length).fill(1e6), actual), base);
    assert.strictEqual(bad.beatsPersistence, false);
    assert.match(bad.summary, /does not even beat persistence.*Use .*forecast/);
    const q = residualQuantiles([0, 0, 0, 0, 0], [-2, -1, 0, 1, 2], 1, 0.5);
    assert.deepStrictEqual([q.lower[0], q.upper[0]], [-1, 1]);
  });

  it('end to end from a CSV file with a gap, unsorted rows and a text column', () => {
    const lines = ['date,sales,weather,price'];
    for (let i = 119; i >= 0; i--) {
      const d = new Date(Date.UTC(2021, 0, 1) + i * 86400000).toISOString().slice(0, 10);
      const sales = i === 50 ? '' : String(100 + 20 * [0, 1, 2, 3, 2, 1, 5][i % 7]! + i);
      lines.push(`${d},${sales},${i % 3 ? 'sun' : 'rain'},${(9.5 + (i % 5) / 10).toFixed(2)}`);
    }
    const file = tmpFile('shop.csv', lines.join('\n'));
    const table = parseCsvFile(file);
    const plan = inspectColumns(table);
    assert.deepStrictEqual(plan.defaultTargets, ['sales']);
    assert.deepStrictEqual(plan.defaultFeatures, ['price']);
    assert.deepStrictEqual(
      plan.excluded.map((e) => e.name),
      ['weather'],
    );
    const series = buildSeries(table);
    assert.deepStrictEqual(series.filled, { sales: 1 });
    const fd = prepareForecast(series, { window: 14, horizon: 7 });
    assert.strictEqual(fd.F, 2);
    assert.strictEqual(fd.K, 1);
    const rep = evaluateBaselines(fd);
    assert.strictEqual(rep.season!.period, 7);
    const sn = rep.results.find((r) => r.name === 'seasonal naive')!;
    const pers = rep.results.find((r) => r.name === 'persistence')!;
    assert.ok(sn.metrics.rmse < pers.metrics.rmse);
  });

  it('forecast spec round-trips and prepares new data the same way', () => {
    const mk = (n: number, shift = 0) =>
      [
        'date,y,x',
        ...Array.from(
          { length: n },
          (_, i) => `${new Date(Date.UTC(2022, 0, 1) + i * 86400000).toISOString().slice(0, 10)},${10 + (i % 7) * 3 + shift},${i % 3}`,
        ),
      ].join('\n');
    const fd = prepareForecast(buildSeries(parseCsvText(mk(60))), { window: 5, horizon: 2 });
    const spec = validateForecastSpec(JSON.parse(JSON.stringify(forecastSpec(fd))));
    assert.deepStrictEqual(spec.stats, fd.stats);
    assert.deepStrictEqual([spec.targets, spec.features, spec.window, spec.horizon, spec.timeColumn], [['y'], ['x'], 5, 2, 'date']);
    const inp = inferenceInput(parseCsvText(mk(60)), spec);
    const F = 2;
    const z = fd.data.subarray((60 - 5) * F);
    const ds = spec.deltaScale![0]!;
    for (let t = 0; t < 5; t++) {
      assert.ok(Math.abs(inp.x[t * F]! - (z[t * F]! - z[4 * F]!) / ds) < 1e-5);
      assert.strictEqual(inp.x[t * F + 1], z[t * F + 1]);
    }
    assert.strictEqual(inp.lastTime, Date.UTC(2022, 0, 1) + 59 * 86400000);
    // zero change predicted -> the last value; the stored statistics are used, not the new data's
    const last = 10 + (59 % 7) * 3;
    assert.deepStrictEqual(
      Array.from(inp.toOriginal([0, 0]), (v) => +v.toFixed(4)),
      [last, last],
    );
    assert.ok(Math.abs(inp.toOriginal([1, 0])[0]! - last - ds * fd.stats.std[0]!) < 1e-4);
    const shifted = inferenceInput(parseCsvText(mk(60, 100)), spec);
    assert.ok(Math.abs(shifted.x[0]! - inp.x[0]!) < 1e-4, 'relative inputs do not move with the level');
    assert.ok(Math.abs(shifted.toOriginal([0, 0])[0]! - last - 100) < 1e-3);
    // level mode spec: inputs are the z-scores themselves
    const lv = prepareForecast(buildSeries(parseCsvText(mk(60))), { window: 5, horizon: 2, relative: false });
    const lvIn = inferenceInput(parseCsvText(mk(60)), forecastSpec(lv));
    assert.deepStrictEqual(Array.from(lvIn.x), Array.from(lv.data.subarray((60 - 5) * F)));
    throwsData(() => inferenceInput(parseCsvText(mk(4)), spec), /has 4 rows; this model reads the last 5 rows/);
    throwsData(() => inferenceInput(parseCsvText('date,y\n2022-01-01,1\n'), spec), /no column named "x"/);
    throwsData(() => validateForecastSpec({ format: 1, targets: [] }), /damaged/);
  });

  it('future time stamps: calendar months, fixed steps, row numbers', () => {
    const monthly = buildSeries(parseCsvText('m,v\n2020-11-01,1\n2020-12-01,3\n2021-01-01,2\n'));
    assert.deepStrictEqual(
      futureTimes(monthly, 2).map((t) => formatTime(t, 'date')),
      ['2021-02-01', '2021-03-01'],
    );
    const hourly = buildSeries(parseCsvText('t,v\n2020-01-01 00:00,1\n2020-01-01 01:00,3\n2020-01-01 02:00,2\n'));
    assert.deepStrictEqual(
      futureTimes(hourly, 1).map((t) => formatTime(t, 'date')),
      ['2020-01-01T03:00:00Z'],
    );
    const rows = buildSeries(parseCsvText('v\n1\n3\n2\n'));
    assert.deepStrictEqual(futureTimes(rows, 2), [3, 4]);
  });

  it('WindowBatcher: evaluation in order, training shuffled per epoch, exact resume, engine layout', () => {
    const data = Float32Array.from({ length: 60 }, (_, i) => i); // (30, F=2), K=1
    const w = new Windows(data, 2, 1, [0, 30], 4, 2); // N = 30 - 2 + 1 - 4 = 25
    assert.strictEqual(w.N, 25);
    const ev = new WindowBatcher(w, 8, false);
    assert.strictEqual(ev.batchesPerEpoch, 4);
    const seen: number[] = [];
    const flags: boolean[] = [];
    for (let k = 0; k < 4; k++) {
      const r = ev.nextIndices();
      flags.push(r.newEpoch);
      seen.push(...r.idx);
    }
    assert.deepStrictEqual(seen, [...Array.from({ length: 25 }, (_, i) => i), 0, 1, 2, 3, 4, 5, 6]);
    assert.deepStrictEqual(flags, [true, false, false, false]);
    assert.deepStrictEqual(ev.state, { pos: 0, epoch: 1 });

    const tr = new WindowBatcher(w, 8, true, 42);
    assert.strictEqual(tr.batchesPerEpoch, 3);
    const epochs: number[][] = [[], []];
    for (let e = 0; e < 2; e++) {
      for (let k = 0; k < 3; k++) {
        const r = tr.nextIndices();
        assert.strictEqual(r.newEpoch, k === 0);
        epochs[e]!.push(...r.idx);
      }
    }
    for (const ep of epochs) assert.strictEqual(new Set(ep).size, 24, 'no window twice in an epoch');
    assert.notDeepStrictEqual(epochs[0], epochs[1]);
    assert.notDeepStrictEqual(
      epochs[0],
      Array.from({ length: 24 }, (_, i) => i),
    );

    // resume: a fresh batcher with the saved state continues identically
    const a = new WindowBatcher(w, 8, true, 7);
    for (let k = 0; k < 4; k++) a.nextIndices();
    const b = new WindowBatcher(w, 8, true, 7);
    b.state = JSON.parse(JSON.stringify(a.state));
    const W = 4,
      B = 8,
      F = 2,
      O = 2;
    const xa = new Float32Array(W * B * F),
      ya = new Float32Array(W * B * O).fill(9);
    const xb = new Float32Array(W * B * F),
      yb = new Float32Array(W * B * O);
    for (let k = 0; k < 5; k++) {
      assert.strictEqual(a.next(xa, ya), b.next(xb, yb));
      assert.deepStrictEqual(xb, xa);
      assert.deepStrictEqual(yb, ya);
    }
    // layout: y is zero before the last step, the last step holds the targets of the batch windows
    const c = new WindowBatcher(w, 8, false);
    c.next(xa, ya);
    assert.ok(ya.subarray(0, (W - 1) * B * O).every((v) => v === 0));
    const xr = new Float32Array(W * B * F),
      yr = new Float32Array(B * O);
    w.batch([0, 1, 2, 3, 4, 5, 6, 7], xr, yr);
    assert.deepStrictEqual(xa, xr);
    assert.deepStrictEqual(ya.subarray((W - 1) * B * O), yr);
    assert.deepStrictEqual(Array.from(ya.subarray((W - 1) * B * O, (W - 1) * B * O + 2)), [8, 10]); // window 0: rows 4,5 of column 0

    throwsData(() => new WindowBatcher(w, 26, true), /25 windows, fewer than the batch size 26/);
    assert.throws(() => {
      tr.state = { pos: 25, epoch: 0 };
    }, RangeError);
  });

  it('forecast CSV: quoted names, intervals, and a new file every time (never overwrites)', () => {
    const t = {
      timeColumn: 'date',
      timeKind: 'date' as const,
      times: [Date.UTC(2021, 1, 1), Date.UTC(2021, 2, 1)],
      targets: ['sales, total'],
      values: [1.5, 2 / 3],
      lower: [1, 0.5],
      upper: [2, 1],
    };
    assert.strictEqual(
      forecastCsvText(t),
      'date,"sales, total","sales, total lower","sales, total upper"\n2021-02-01,1.5,1,2\n2021-03-01,0.6666666667,0.5,1\n',
    );
    const input = tmpFile('shop.csv', 'date,sales\n');
    const a = writeForecastCsv(input, t);
    const b = writeForecastCsv(input, t);
    assert.strictEqual(path.basename(a), 'shop.forecast.csv');
    assert.strictEqual(path.basename(b), 'shop.forecast-2.csv');
    assert.strictEqual(fs.readFileSync(input, 'utf8'), 'date,sales\n');
    const back = parseCsvText(fs.readFileSync(a, 'utf8'));
    assert.deepStrictEqual(
      back.columns.map((c) => c.kind),
      ['date', 'numeric', 'numeric', 'numeric'],
    );
  });
});
