/**
 * Auto (src/worker/forecastAuto.ts) chooses on the validation windows and is scored on the test windows; the
 * verdict names the best method by MASE.
 */
import assert from 'node:assert/strict';
import { actualY, buildSeries, compareWithBaselines, evaluateBaselines, maeByHorizon, metrics, parseCsvText, prepareForecast } from '../../src/data/csv';
import { chooseAuto } from '../../src/worker/forecastAuto';

function seasonal(n: number) {
  const lines = ['y', ...Array.from({ length: n }, (_, i) => (50 + 0.2 * i + 8 * Math.sin((2 * Math.PI * i) / 12) + Math.sin(i * 1.7)).toFixed(4))];
  const table = parseCsvText(lines.join('\n'));
  return prepareForecast(buildSeries(table, { time: null, targets: ['y'], features: [] }), { window: 24, horizon: 3 });
}

describe('forecasting: Auto and the verdict', () => {
  it('Auto is chosen on validation: a "model" perfect on validation and poor on test is chosen, and scored on test', () => {
    const fd = seasonal(400);
    const base = evaluateBaselines(fd, { season: 12 });
    const valY = actualY(fd, fd.val),
      testY = actualY(fd, fd.test);
    const poor = testY.map((v) => v + 25);
    const auto = chooseAuto(fd, Float64Array.from(valY), poor, base, 12);
    assert.equal(auto.by, 'MASE');
    assert.equal(auto.choice, 'model', 'the best on validation');
    assert.ok(Math.abs(auto.test.mae - 25) < 1e-9, `scored on the test windows: MAE ${auto.test.mae}`);
    assert.ok(
      auto.validation.some((v) => v.name.startsWith('ensemble of ')),
      'the ensemble is a candidate',
    );
  });

  it('a useless model leaves Auto to the statistical methods, and the verdict says which to use', () => {
    const fd = seasonal(400);
    const base = evaluateBaselines(fd, { season: 12 });
    const valY = actualY(fd, fd.val),
      testY = actualY(fd, fd.test);
    const flat = (a: Float64Array) => new Float64Array(a.length).fill(0);
    const auto = chooseAuto(fd, flat(valY), flat(testY), base, 12);
    assert.ok(auto.choice === 'ETS' || auto.choice === 'Theta' || /^ensemble of (?!.*model)/.test(auto.choice), `Auto chose ${auto.choice}`);
    const ets = base.results.find((r) => r.name === 'ETS')!;
    assert.ok(ets.mase! < 0.6, `ETS learns this series: MASE ${ets.mase}`);
    const v = compareWithBaselines(metrics(flat(testY), testY), base);
    assert.equal(v.by, 'MASE');
    assert.ok(['ETS', 'Theta', 'seasonal naive'].includes(v.best), v.best);
    assert.match(v.summary, new RegExp(`^${v.best} is the best method.*Use ${v.best}'s forecast\\.$`));
  });

  it('MAE by horizon step: over windows and targets, laid out (N, Hz·K)', () => {
    // 2 windows, horizon 3, 2 targets: errors 1 at step 1, 2 at step 2, 3 at step 3
    const actual = new Float64Array(12);
    const pred = Float64Array.from({ length: 12 }, (_, i) => (Math.floor(i / 2) % 3) + 1);
    assert.deepEqual(maeByHorizon(pred, actual, 3, 2), [1, 2, 3]);
  });
});
