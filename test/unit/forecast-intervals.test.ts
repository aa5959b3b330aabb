/**
 * Adaptive conformal intervals (src/worker/forecastIntervals.ts): when the test part is noisier than validation,
 * fixed validation quantiles under-cover and the adaptive ones come back to the nominal level.
 */
import assert from 'node:assert/strict';
import { Rng } from '../../src/engine/rng';
import { adaptiveIntervals } from '../../src/worker/forecastIntervals';

describe('forecasting: adaptive conformal intervals', () => {
  const noise = (n: number, sd: number, seed: number) => {
    const r = new Rng(seed);
    return Float64Array.from({ length: n }, () => sd * r.normal());
  };
  it('keep 90 % coverage within 5 points when the test errors are twice the validation errors; fixed ones fall short', () => {
    const valAct = noise(300, 1, 1),
      testAct = noise(600, 2, 2);
    const r = adaptiveIntervals(new Float64Array(300), valAct, new Float64Array(600), testAct, 1, () => 0, 0.9);
    assert.ok(Math.abs(r.coverage - 0.9) < 0.05, `adaptive coverage ${r.coverage}`);
    assert.ok(r.staticCoverage < 0.75, `fixed coverage ${r.staticCoverage}`);
    const fixedWidth = 2 * 1.645; // the validation errors' 90 % interval (sd 1)
    assert.ok(r.lastUpper[0]! - r.lastLower[0]! > 1.3 * fixedWidth, `the final interval has widened: ${r.lastUpper[0]! - r.lastLower[0]!}`);
  });

  it('on errors like the validation ones they stay near the fixed intervals, and use only errors already observed', () => {
    const valAct = noise(400, 1, 3),
      testAct = noise(400, 1, 4);
    const r = adaptiveIntervals(new Float64Array(400), valAct, new Float64Array(400), testAct, 1, () => 0, 0.9);
    assert.ok(Math.abs(r.coverage - 0.9) < 0.05 && Math.abs(r.staticCoverage - 0.9) < 0.05, `${r.coverage} ${r.staticCoverage}`);
    // a horizon step of 3: the first 4 windows cannot have learnt anything yet, so they use the validation quantiles
    const h3 = adaptiveIntervals(
      new Float64Array(400),
      valAct,
      new Float64Array(400),
      testAct.map((v) => v * 3),
      1,
      () => 3,
      0.9,
    );
    for (let j = 1; j < 4; j++) assert.equal(h3.upper[j], h3.upper[0]);
    assert.notEqual(h3.upper[10], h3.upper[0]);
  });
});
