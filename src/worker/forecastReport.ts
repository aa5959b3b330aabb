/** The report of a finished forecasting run: intervals from validation residuals (adapted over the test windows), the test scores against the baselines. */
import { Model } from '../engine/model';
import { actualY, compareWithBaselines, evaluateBaselines, type ForecastData, maeByHorizon, scoreForecast, type Windows } from '../data/csv';
import type { ForecastReport } from '../protocol/worker';
import type { ForecastFolder, ForecastRunParts, Settings } from './forecast';
import { chooseAuto, reportMetrics as pick } from './forecastAuto';
import { adaptiveIntervals } from './forecastIntervals';

/** the model's outputs (N, O) for every window of `w`, using B-wide batches (zero initial state per window) */
export function predictWindows(model: Model, w: Windows, B: number): Float32Array {
  const O = w.outputs;
  const W = w.W;
  const out = new Float32Array(w.N * O);
  const x = new Float32Array(W * B * w.F);
  const y = new Float32Array(B * O);
  const idx = new Int32Array(B);
  const st = model.newState(B);
  for (let s = 0; s < w.N; s += B) {
    const n = Math.min(B, w.N - s);
    for (let b = 0; b < B; b++) idx[b] = s + Math.min(b, n - 1);
    w.batch(idx, x, y);
    for (const a of [...st.h, ...st.c]) a.fill(0);
    const logits = model.forward(x, W, B, st, false, null);
    const last = (W - 1) * B * O;
    out.set(logits.subarray(last, last + n * O), s * O);
  }
  return out;
}

function thin(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const out: number[] = [];
  for (let i = 0; i < max; i++) out.push(Math.round((i * (n - 1)) / (max - 1)));
  return out;
}

/** The best weights on validation (residuals → intervals) and on test, against the baselines: the report. */
export function evaluateForecast(s: Settings, fd: ForecastData, W: number, run: ForecastRunParts, folder: ForecastFolder, notes: string[]) {
  const { config, trainer, B, O } = run;
  const { spec, coverage, section } = folder;
  const best = new Model(config, { params: trainer.bestParams });
  const valPred = fd.val.toOriginal(predictWindows(best, fd.val, B));
  const testPred = fd.test.toOriginal(predictWindows(best, fd.test, B));
  const testAct = actualY(fd, fd.test);
  // split conformal from the validation residuals, adapted over the test windows (forecastIntervals.ts)
  const aci = adaptiveIntervals(valPred, actualY(fd, fd.val), testPred, testAct, O, (o) => Math.floor(o / fd.K), coverage);
  const intervals = { coverage, lower: aci.lastLower, upper: aci.lastUpper };
  folder.intervals = intervals;
  const scored = scoreForecast(testPred, testAct, fd.K);
  const base = evaluateBaselines(fd, { season: s.season });
  const cmp = compareWithBaselines(scored.metrics, base);
  const auto = chooseAuto(fd, Float64Array.from(valPred), Float64Array.from(testPred), base, base.season?.period ?? null);
  Object.assign(section, {
    test: pick(scored.metrics, base.maseScale),
    baselines: base.results.map((r) => ({
      name: r.name,
      rmse: r.metrics.rmse,
      mae: r.metrics.mae,
      mape: r.metrics.mape,
      ...(r.period ? { period: r.period } : {}),
    })),
    beatsPersistence: cmp.beatsPersistence,
    verdict: cmp.summary,
  });
  const ser = fd.series;
  const tOf = (r: number) => (ser.time ? ser.time[r]! : r);
  const hi = thin(ser.n, 4000);
  const test: ForecastReport['test'] = { t: [], actual: [], pred: [], lower: [], upper: [] };
  for (let j = 0; j < fd.test.N; j++) {
    const p = testPred[j * O]!;
    test.t.push(tOf(fd.test.rowOf(j)));
    test.actual.push(testAct[j * O]!);
    test.pred.push(p);
    test.lower.push(p + aci.lower[j * O]!);
    test.upper.push(p + aci.upper[j * O]!);
  }
  const report: ForecastReport = {
    file: s.file,
    targets: spec.targets,
    features: spec.features,
    timeColumn: spec.timeColumn,
    timeKind: spec.timeKind,
    window: W,
    horizon: fd.horizon,
    rows: ser.n,
    split: fd.ranges,
    filled: ser.filled,
    excluded: ser.excluded,
    notes: [...notes, ...base.notes],
    season: base.season ? { period: base.season.period, detected: base.season.detected } : null,
    frequency: base.frequency,
    model: pick(scored.metrics, base.maseScale),
    baselines: base.results.map((r) => ({ name: r.name, metrics: pick(r.metrics, base.maseScale), ...(r.period ? { period: r.period } : {}) })),
    beatsPersistence: cmp.beatsPersistence,
    beatsAll: cmp.beatsAll,
    best: cmp.best,
    verdictBy: cmp.by,
    auto: { choice: auto.choice, by: auto.by, test: auto.test },
    maseScale: base.maseScale,
    perHorizon: [
      { name: 'model', mae: maeByHorizon(testPred, testAct, fd.horizon, fd.K) },
      ...base.results.filter((b) => b.pred).map((b) => ({ name: b.name, mae: maeByHorizon(b.pred!, testAct, fd.horizon, fd.K) })),
    ],
    verdict: cmp.summary,
    intervals: { ...intervals, testCoverage: testAct.length ? aci.coverage : null, staticCoverage: testAct.length ? aci.staticCoverage : null },
    history: { t: hi.map(tOf), y: hi.map((r) => ser.values[r * ser.C]!) },
    test,
  };
  return { report, scored, base, cmp };
}
