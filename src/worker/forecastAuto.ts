/**
 * Auto: the forecaster chosen on the validation windows, scored on the test windows. The candidates are the trained
 * model, every baseline (naive ones, AutoETS, Theta) and the mean of the three best of them on validation (an
 * ensemble, as the M4 competition's best entries were); the one with the lowest validation MASE (RMSE when there
 * is no MASE) is Auto. Choosing on validation keeps the test windows an honest estimate of what Auto will do.
 */
import { actualY, evaluateBaselines, scoreForecast, type BaselineReport, type ForecastData, type Metrics } from '../data/csv';
import type { ForecastMetrics } from '../protocol/worker';

/** metrics as the report holds them, with MASE from the report's scale (null: none) */
export function reportMetrics(m: Metrics, scale: number | null): ForecastMetrics {
  return { mae: m.mae, rmse: m.rmse, mape: m.mape, smape: m.smape, mase: scale ? m.mae / scale : null, count: m.count };
}

interface Candidate {
  name: string;
  val: Float64Array;
  test: Float64Array;
}

export interface AutoChoice {
  /** 'model', a baseline's name, or 'ensemble of A, B, C' */
  choice: string;
  /** validation score of each candidate (by `by`) */
  validation: { name: string; score: number }[];
  by: 'MASE' | 'RMSE';
  test: ForecastMetrics;
}

/** Auto over the model's predictions (val, test: (N, horizon·K) in original units) and the test report's baselines */
export function chooseAuto(fd: ForecastData, modelVal: Float64Array, modelTest: Float64Array, test: BaselineReport, season: number | null): AutoChoice {
  const val = evaluateBaselines(fd, { part: 'val', season });
  const cands: Candidate[] = [{ name: 'model', val: modelVal, test: modelTest }];
  for (const r of test.results) {
    const v = val.results.find((x) => x.name === r.name);
    if (v?.pred && r.pred) cands.push({ name: r.name, val: v.pred, test: r.pred });
  }
  const by = test.maseScale ? 'MASE' : 'RMSE';
  const valY = actualY(fd, fd.val),
    testY = actualY(fd, fd.test);
  const score = (pred: Float64Array, actual: Float64Array) => {
    const m = scoreForecast(pred, actual, fd.K).metrics;
    return by === 'MASE' ? m.mae / test.maseScale! : m.rmse;
  };
  const scored = cands.map((c) => ({ ...c, score: score(c.val, valY) })).sort((a, b) => a.score - b.score);
  const top = scored.slice(0, 3);
  const mean = (xs: Float64Array[]) => Float64Array.from(xs[0]!, (_, i) => xs.reduce((s, x) => s + x[i]!, 0) / xs.length);
  const ensemble = { name: `ensemble of ${top.map((c) => c.name).join(', ')}`, val: mean(top.map((c) => c.val)), test: mean(top.map((c) => c.test)) };
  const all = [...scored, { ...ensemble, score: score(ensemble.val, valY) }];
  const best = all.reduce((a, b) => (b.score < a.score ? b : a));
  const m = scoreForecast(best.test, testY, fd.K).metrics;
  return {
    choice: best.name,
    validation: all.map((c) => ({ name: c.name, score: c.score })),
    by,
    test: reportMetrics(m, test.maseScale),
  };
}
