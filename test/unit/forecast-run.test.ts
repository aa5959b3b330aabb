/**
 * The forecasting run end to end (src/worker/forecast.ts): a synthetic seasonal series with noise → a model that
 * beats persistence by a clear margin, the model folder (card forecast section, checkpoint, verified ONNX with the
 * forecast spec in its metadata, forecast.json), forecasts through onnxruntime that match the TypeScript engine,
 * a new CSV beside the input that never overwrites, and bad input that writes nothing. The CLI's exit codes for
 * bad CSVs run the built dist/cli.js.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeCheckpoint } from '../../src/engine/checkpoint';
import { Model } from '../../src/engine/model';
import { inferenceInput, parseCsvFile, validateForecastSpec } from '../../src/data/csv';
import { exportModelFolder } from '../../src/onnx/models';
import { OnnxModel } from '../../src/onnx/runtime';
import { createControl } from '../../src/protocol/worker';
import { type ForecastCard, REPORT_FILE, runForecastTraining } from '../../src/worker/forecast';
import { forecastNormOf, predictForecast } from '../../src/worker/forecastPredict';

/** y = 10 + 5 sin(2πt/12) + 0.02 t + N(0, 0.3²), daily dates, plus an unrelated noisy column */
function seasonalCsv(n: number, seed = 7): string {
  let s = seed;
  const rnd = () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
  const gauss = () => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
  const lines = ['date,sales,noise'];
  for (let t = 0; t < n; t++) {
    const d = new Date(Date.UTC(2020, 0, 1 + t)).toISOString().slice(0, 10);
    lines.push(`${d},${(10 + 5 * Math.sin((2 * Math.PI * t) / 12) + 0.02 * t + 0.3 * gauss()).toFixed(3)},${gauss().toFixed(3)}`);
  }
  return lines.join('\n') + '\n';
}

describe('forecasting run (worker/forecast.ts)', function () {
  this.timeout(240000);
  let dir: string;
  let csv: string;
  let modelDir: string;
  let result: Awaited<ReturnType<typeof runForecastTraining>>;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'seqlab-forecast-'));
    csv = join(dir, 'sales.csv');
    writeFileSync(csv, seasonalCsv(480));
    modelDir = join(dir, 'models', 'sales');
    const logs: string[] = [];
    result = await runForecastTraining(
      {
        jobId: 'j1',
        file: csv,
        outDir: modelDir,
        name: 'sales',
        control: createControl(),
        targets: ['sales'],
        features: [],
        window: 12,
        hidden: 24,
        steps: 600,
        patience: 6,
      },
      { log: (_l, m) => logs.push(m) },
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('beats persistence by a clear margin on a seasonal series with noise (test RMSE < 40% of persistence)', () => {
    const r = result.report;
    const pers = r.baselines.find((b) => b.name === 'persistence')!;
    const mean = r.baselines.find((b) => b.name === 'training mean')!;
    assert.ok(r.model.rmse < 0.4 * pers.metrics.rmse, `model RMSE ${r.model.rmse} vs persistence ${pers.metrics.rmse}`);
    assert.ok(r.model.rmse < 0.2 * mean.metrics.rmse, `model RMSE ${r.model.rmse} vs training mean ${mean.metrics.rmse}`);
    assert.equal(r.beatsPersistence, true);
    assert.match(r.verdict, /beats/);
    assert.equal(r.season?.period, 12, 'the season is detected');
    // the noise floor is 0.3: a model cannot do much better than that
    assert.ok(r.model.rmse > 0.2, `suspiciously low RMSE ${r.model.rmse}`);
    assert.equal(r.model.count, result.report.test.t.length);
  });

  it('writes the model folder: card with a forecast section, exact-resume checkpoint, forecast.json, verified ONNX with the spec', async () => {
    const card = JSON.parse(readFileSync(join(modelDir, 'card.json'), 'utf8')) as ForecastCard;
    assert.equal(card.config.kind, 'regression');
    assert.equal(card.status, 'complete');
    assert.ok(card.bestValLoss !== null && card.bestValLoss > 0);
    assert.deepEqual(card.forecast.targets, ['sales']);
    assert.equal(card.forecast.window, 12);
    assert.equal(card.forecast.test!.rmse, result.report.model.rmse);
    assert.equal(card.forecast.beatsPersistence, true);
    const ck = decodeCheckpoint(readFileSync(join(modelDir, 'checkpoint.bin')));
    assert.equal(ck.trainer.step, result.steps);
    assert.ok((ck.meta.forecast as { spec: unknown }).spec);
    validateForecastSpec((ck.meta.forecast as { spec: unknown }).spec);
    const rep = JSON.parse(readFileSync(join(modelDir, REPORT_FILE), 'utf8'));
    assert.equal(rep.history.t.length, 480);
    const m = await OnnxModel.load(join(modelDir, 'model.onnx'));
    try {
      const norm = forecastNormOf(m, 'sales');
      assert.deepEqual(norm.targets, ['sales']);
      assert.equal(norm.window, 12);
      assert.ok(norm.stats.std[0]! > 1, 'train-only statistics are stored');
      assert.ok(norm.intervals && norm.intervals.lower[0]! < 0 && norm.intervals.upper[0]! > 0);
    } finally {
      await m.dispose();
    }
  });

  it('prediction intervals from validation residuals cover roughly their nominal share of the test values', () => {
    const iv = result.report.intervals;
    assert.equal(iv.coverage, 0.9);
    assert.ok(iv.testCoverage !== null && iv.testCoverage > 0.6 && iv.testCoverage <= 1, `coverage ${iv.testCoverage}`);
    const t = result.report.test;
    for (let i = 0; i < t.pred.length; i++) assert.ok(t.lower[i]! < t.pred[i]! && t.pred[i]! < t.upper[i]!);
  });

  it('forecasts through onnxruntime match the TypeScript engine on the same input', async () => {
    const p = await predictForecast({ modelDir, file: csv, steps: 1 });
    const ck = decodeCheckpoint(readFileSync(join(modelDir, 'checkpoint.bin')));
    const spec = (ck.meta.forecast as { spec: Parameters<typeof inferenceInput>[1] }).spec;
    const inp = inferenceInput(parseCsvFile(csv), spec);
    const engine = new Model(ck.config, { params: ck.bestParams });
    const logits = engine.forward(inp.x, spec.window, 1, engine.newState(1), false, null);
    const ts = inp.toOriginal(logits.subarray((spec.window - 1) * ck.config.outputs, spec.window * ck.config.outputs));
    assert.ok(Math.abs(p.values[0]! - ts[0]!) < 1e-3, `onnx ${p.values[0]} vs engine ${ts[0]}`);
    assert.equal(p.labels[0], '2021-04-25', 'the day after the last row');
    assert.ok(p.lower[0]! < p.values[0]! && p.values[0]! < p.upper[0]!);
  });

  it('export writes only the given path, keeps the forecasting settings, and the exported file predicts like the original', async () => {
    const before = new Map(readdirSync(modelDir).map((f) => [f, readFileSync(join(modelDir, f))]));
    const out = join(dir, 'exported.onnx');
    await exportModelFolder(modelDir, { out });
    assert.deepEqual(new Map(readdirSync(modelDir).map((f) => [f, readFileSync(join(modelDir, f))])), before, 'the model folder is unchanged');
    const orig = await predictForecast({ modelDir, file: csv, steps: 3 });
    // the exported file in place of the folder's model.onnx
    const copy = join(dir, 'copy-of-model');
    cpSync(modelDir, copy, { recursive: true });
    copyFileSync(out, join(copy, 'model.onnx'));
    const m = await OnnxModel.load(out);
    try {
      assert.equal(forecastNormOf(m, 'exported').kind, 'forecast');
    } finally {
      await m.dispose();
    }
    const again = await predictForecast({ modelDir: copy, file: csv, steps: 3 });
    assert.deepEqual(again.values, orig.values);
    assert.deepEqual(again.labels, orig.labels);
    assert.deepEqual([again.lower, again.upper], [orig.lower, orig.upper], 'the same intervals');
    rmSync(copy, { recursive: true, force: true });
  });

  it('forecasts beyond the horizon autoregressively, following the season, and writes a new CSV each time (never overwrites)', async () => {
    const p = await predictForecast({ modelDir, file: csv, steps: 24, write: true });
    assert.equal(p.values.length, 24);
    // the truth continues the sine: the forecast should follow it (RMSE well below the seasonal amplitude)
    let se = 0;
    for (let k = 0; k < 24; k++) {
      const t = 480 + k;
      const truth = 10 + 5 * Math.sin((2 * Math.PI * t) / 12) + 0.02 * t;
      se += (p.values[k]! - truth) ** 2;
    }
    assert.ok(Math.sqrt(se / 24) < 1.5, `24-step RMSE ${Math.sqrt(se / 24)}`);
    assert.equal(p.written, join(dir, 'sales.forecast.csv'));
    const first = readFileSync(p.written!, 'utf8');
    assert.match(first.split('\n')[0]!, /^date,sales,sales lower,sales upper$/);
    assert.equal(first.trim().split('\n').length, 25);
    const again = await predictForecast({ modelDir, file: csv, steps: 2, write: true });
    assert.equal(again.written, join(dir, 'sales.forecast-2.csv'));
    assert.equal(readFileSync(p.written!, 'utf8'), first, 'the first forecast file is untouched');
  });

  it('a wide table read as one series trains, remembers it, and forecasts the next months with their dates', async () => {
    const months = 'Jan,Feb,Mar,Apr,May,Jun,Jul,Aug,Sep,Oct,Nov,Dec';
    const rows = Array.from({ length: 20 }, (_, r) =>
      [1990 + r, ...Array.from({ length: 12 }, (_, m) => (50 + r + 8 * Math.sin((2 * Math.PI * m) / 12)).toFixed(2))].join(','),
    );
    const wide = join(dir, 'wide.csv');
    writeFileSync(wide, `Year,${months}\n${rows.join('\n')}\n`);
    const out = join(dir, 'wide-model');
    const r = await runForecastTraining({ jobId: 'w', file: wide, outDir: out, name: 'w', control: createControl(), wide: true, window: 12, steps: 30 });
    assert.equal(r.report.frequency, 'monthly');
    assert.match(r.report.notes.join(' '), /one monthly series: 20 rows of Year × 12 columns/);
    const p = await predictForecast({ modelDir: out, file: wide, steps: 3, write: true });
    const lines = readFileSync(p.written!, 'utf8').trim().split('\n');
    assert.match(lines[0]!, /^date,value,/);
    assert.match(lines[1]!, /^2010-01-01,/, 'the month after December 2009');
  });

  it('a baseline can forecast in the model’s place (the verdict’s "use ETS’s forecast"): dated rows, no interval', async () => {
    const p = await predictForecast({ modelDir, file: csv, steps: 12, method: 'ETS', write: true });
    assert.equal(p.method, 'ETS');
    assert.deepEqual(p.lower, p.values, 'a baseline has no interval');
    let se = 0;
    for (let k = 0; k < 12; k++) se += (p.values[k]! - (10 + 5 * Math.sin((2 * Math.PI * (480 + k)) / 12) + 0.02 * (480 + k))) ** 2;
    assert.ok(Math.sqrt(se / 12) < 1.5, `ETS follows the season: RMSE ${Math.sqrt(se / 12)}`);
    assert.match(readFileSync(p.written!, 'utf8').split('\n')[0]!, /^date,sales$/);
    const theta = await predictForecast({ modelDir, file: csv, steps: 3, method: 'Theta' });
    assert.equal(theta.values.length, 3);
    await assert.rejects(predictForecast({ modelDir, file: csv, method: 'arima' }), /no forecasting method "arima"/);
  });

  it('prediction refuses bad data (header only, too short, missing column) and writes nothing', async () => {
    const before = readdirSync(dir).sort();
    const hdr = join(dir, 'header.csv');
    writeFileSync(hdr, 'date,sales\n');
    await assert.rejects(predictForecast({ modelDir, file: hdr }), /no data rows/);
    const short = join(dir, 'short.csv');
    writeFileSync(short, seasonalCsv(5));
    await assert.rejects(predictForecast({ modelDir, file: short }), /needs at least 12/);
    const nosales = join(dir, 'other.csv');
    writeFileSync(nosales, 'date,x\n2020-01-01,1\n2020-01-02,2\n');
    await assert.rejects(predictForecast({ modelDir, file: nosales }), /no column named "sales"/);
    for (const f of [hdr, short, nosales]) rmSync(f);
    assert.deepEqual(readdirSync(dir).sort(), before);
  });

  it('bad CSVs fail before anything is written (no model folder)', async () => {
    const cases: [string, RegExp][] = [
      ['', /empty/i],
      ['date,y\n', /no data rows/],
      ['a,b\nx,y\nz,w\n', /no numeric column/],
      ['date,y\n2020-01-01,1\n2020-01-02,2\n2020-01-03,3\n', /rows?.*window/],
      ['date,y\n2020-01-01,1\n2020-01-02,2,3\n2020-01-03,3\n', /ragged|fields|columns/i],
      ['date,y\n2020-01-01,1\n2020-01-01,2\n2020-01-03,3\n', /duplicate/i],
      [`date,y\n${Array.from({ length: 100 }, (_, i) => `${new Date(Date.UTC(2020, 0, 1 + i)).toISOString().slice(0, 10)},5`).join('\n')}\n`, /constant/],
      // mixed date formats; a wide table read column by column; a training part shorter than one season plus the horizon
      [`date,y\n${Array.from({ length: 60 }, (_, i) => `${i % 2 ? 'Jan 5 2020' : '2020-01-04'},${i}`).join('\n')}\n`, /written in 2 ways/],
      [
        `year,${'Jan,Feb,Mar,Apr,May,Jun,Jul,Aug,Sep,Oct,Nov,Dec'}\n${Array.from({ length: 8 }, (_, r) => [2000 + r, ...Array.from({ length: 12 }, (_, m) => r * 12 + m)].join(',')).join('\n')}\n`,
        /wide table.*--wide/,
      ],
    ];
    const season = [
      `date,y\n${Array.from({ length: 120 }, (_, i) => `${new Date(Date.UTC(2020, 0, 1 + i)).toISOString().slice(0, 10)},${i % 7}`).join('\n')}\n`,
      /a season of 90 needs at least 91 \(one season plus the horizon of 1\)/,
    ] as const;
    for (const [i, [text, re]] of [...cases, season].entries()) {
      const f = join(dir, `bad${i}.csv`);
      writeFileSync(f, text);
      const out = join(dir, 'bad-models', `m${i}`);
      const extra = i === cases.length ? { season: 90, window: 7 } : { window: 12 };
      await assert.rejects(runForecastTraining({ jobId: 'b', file: f, outDir: out, name: 'b', control: createControl(), ...extra }), re, `case ${i}`);
      assert.equal(existsSync(out), false, `case ${i} wrote ${out}`);
      rmSync(f);
    }
  });
});

describe('seqlab forecast (CLI exit codes)', function () {
  this.timeout(120000);
  const cli = join(__dirname, '..', '..', 'dist', 'cli.js');
  let dir: string;
  const run = (args: string[]) => {
    const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: dir, timeout: 60000 });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  before(() => {
    if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first (npm test does)`);
    dir = mkdtempSync(join(tmpdir(), 'seqlab-fcli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('wrong usage exits 2 with usage', () => {
    for (const args of [
      ['forecast', 'train', 'x.csv'],
      ['forecast', 'train', 'x.csv', '--target', 'y', '--window', '0'],
      ['forecast', 'predict', 'm'],
      ['forecast', 'train', 'x.csv', '--target', 'y', '--cell', 'tcn'],
    ]) {
      const r = run(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, /usage/i);
    }
  });

  it('bad CSVs exit 1 with one clear line, no stack trace, and write nothing', () => {
    const files: [string, string, RegExp][] = [
      ['empty.csv', '', /empty/i],
      ['header.csv', 'date,y\n', /no data rows/],
      ['text.csv', 'a,b\nx,y\nz,w\n', /no numeric column/],
      ['short.csv', 'date,y\n2020-01-01,1\n2020-01-02,2\n2020-01-03,3\n', /window/],
      ['dup.csv', 'date,y\n2020-01-01,1\n2020-01-01,2\n2020-01-03,3\n', /duplicate/i],
      [
        'const.csv',
        `date,y\n${Array.from({ length: 60 }, (_, i) => `${new Date(Date.UTC(2020, 0, 1 + i)).toISOString().slice(0, 10)},5`).join('\n')}\n`,
        /constant/,
      ],
    ];
    for (const [name, text, re] of files) {
      writeFileSync(join(dir, name), text);
      const r = run(['forecast', 'train', name, '--target', name === 'text.csv' ? 'a' : 'y', '--out', 'models']);
      assert.equal(r.code, 1, `${name}: ${r.err}`);
      assert.match(r.err, re, name);
      assert.equal(r.err.trim().split('\n').length, 1, `${name}: one line: ${r.err}`);
      assert.doesNotMatch(r.err, /\n\s+at /);
    }
    const missing = run(['forecast', 'train', 'missing.csv', '--target', 'y']);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /no such file/);
    const nomodel = run(['forecast', 'predict', 'nomodel', 'empty.csv']);
    assert.equal(nomodel.code, 1);
    assert.match(nomodel.err, /no model folder/);
    assert.equal(existsSync(join(dir, 'models')), false, 'no model folder was created');
    assert.equal(existsSync(join(dir, '.seqlab')), false);
  });
});

describe('forecasting run: exact resume', function () {
  this.timeout(240000);
  it('60 steps, then a resume for 40 more, ends with exactly the weights of one 100-step run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seqlab-fresume-'));
    try {
      const csv = join(dir, 's.csv');
      writeFileSync(csv, seasonalCsv(300, 11));
      const base = { file: csv, targets: ['sales'], features: [], window: 8, hidden: 8, batch: 16, evalEvery: 20, patience: 0, control: createControl() };
      await runForecastTraining({ ...base, jobId: 'a', outDir: join(dir, 'a'), name: 'a', steps: 100 });
      await runForecastTraining({ ...base, jobId: 'b', outDir: join(dir, 'b'), name: 'b', steps: 60 });
      const r = await runForecastTraining({ ...base, jobId: 'b2', outDir: join(dir, 'b'), name: 'b', steps: 40, window: 99, resume: { from: join(dir, 'b') } });
      assert.equal(r.steps, 100);
      assert.equal(r.report.window, 8, 'the data settings come from the checkpoint');
      const a = decodeCheckpoint(readFileSync(join(dir, 'a', 'checkpoint.bin')));
      const b = decodeCheckpoint(readFileSync(join(dir, 'b', 'checkpoint.bin')));
      assert.equal(b.trainer.step, 100);
      assert.deepEqual(Array.from(b.params), Array.from(a.params));
      assert.deepEqual(Array.from(b.bestParams), Array.from(a.bestParams));
      assert.equal(b.trainer.bestValLoss, a.trainer.bestValLoss);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('forecasting run: horizon and several targets', function () {
  this.timeout(240000);
  it('horizon 3 with two targets: metrics over every output, per-output intervals, 3 direct steps then autoregressive steps', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seqlab-fmulti-'));
    try {
      const csv = join(dir, 'two.csv');
      const lines = ['t,a,b'];
      for (let t = 0; t < 300; t++) lines.push(`${t},${(5 * Math.sin(t / 3)).toFixed(4)},${(2 * Math.cos(t / 5) + 0.01 * t).toFixed(4)}`);
      writeFileSync(csv, lines.join('\n') + '\n');
      const out = join(dir, 'm');
      const r = await runForecastTraining({
        jobId: 'm',
        file: csv,
        outDir: out,
        name: 'm',
        control: createControl(),
        targets: ['a', 'b'],
        features: [],
        window: 10,
        horizon: 3,
        hidden: 8,
        steps: 40,
      });
      assert.equal(r.report.horizon, 3);
      assert.deepEqual(r.report.targets, ['a', 'b']);
      assert.equal(r.report.intervals.lower.length, 6, 'one interval per output (h, k)');
      assert.equal(r.report.model.count, r.report.test.t.length * 6);
      const p3 = await predictForecast({ modelDir: out, file: csv, steps: 3 });
      assert.equal(p3.values.length, 6);
      assert.deepEqual(p3.labels, ['300', '301', '302']);
      const p7 = await predictForecast({ modelDir: out, file: csv, steps: 7 });
      assert.equal(p7.values.length, 14);
      assert.deepEqual(p7.values.slice(0, 6), p3.values, 'the first horizon is the same direct forecast');
      for (let i = 0; i < 14; i++) assert.ok(Number.isFinite(p7.values[i]!) && p7.lower[i]! <= p7.values[i]! && p7.values[i]! <= p7.upper[i]!);
      // intervals widen beyond the horizon
      assert.ok(p7.upper[12]! - p7.lower[12]! > p7.upper[0]! - p7.lower[0]!);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a model with feature columns refuses to forecast beyond its horizon (future features are unknown)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seqlab-ffeat-'));
    try {
      const csv = join(dir, 'f.csv');
      writeFileSync(csv, seasonalCsv(200, 5));
      const out = join(dir, 'm');
      await runForecastTraining({
        jobId: 'f',
        file: csv,
        outDir: out,
        name: 'f',
        control: createControl(),
        targets: ['sales'],
        features: ['noise'],
        window: 8,
        hidden: 8,
        steps: 20,
      });
      assert.equal((await predictForecast({ modelDir: out, file: csv, steps: 1 })).values.length, 1);
      await assert.rejects(predictForecast({ modelDir: out, file: csv, steps: 2 }), /noise.*at most its horizon of 1 step/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
