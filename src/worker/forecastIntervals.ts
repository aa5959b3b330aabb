/**
 * Prediction intervals that keep their coverage when the series changes: split conformal intervals from the
 * validation residuals of each output (horizon step h, target k), made adaptive over the test windows with adaptive
 * conformal inference (Gibbs & Candès 2021). For each output the miscoverage level α is updated after every window
 * whose actual value is known by then: α ← α + γ(α₀ − miss), so the quantiles of the validation residuals that
 * form the interval widen after misses and narrow after hits. A window's interval uses only the misses of windows
 * whose targets were observed before its origin (h + 1 windows back), as it would in use. The level reached at the
 * end of the test part is what "Forecast next N" uses.
 */

/** ACI's step size: large enough to react within a few dozen windows */
export const ACI_GAMMA = 0.02;

export interface AdaptiveIntervals {
  /** per window (N, outputs): the lower and upper offsets added to the prediction */
  lower: Float64Array;
  upper: Float64Array;
  /** share of the test actuals inside their interval */
  coverage: number;
  /** share inside the fixed validation intervals (what the static method would have covered) */
  staticCoverage: number;
  /** the offsets at the end of the test part, per output */
  lastLower: number[];
  lastUpper: number[];
}

function quantile(sorted: Float64Array, q: number): number {
  if (q <= 0) return sorted[0]! - (sorted[sorted.length - 1]! - sorted[0]!); // α ≥ 1: a wide, finite interval
  if (q >= 1) return sorted[sorted.length - 1]! + (sorted[sorted.length - 1]! - sorted[0]!);
  const pos = q * (sorted.length - 1),
    lo = Math.floor(pos),
    hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (pos - lo) * (sorted[hi]! - sorted[lo]!);
}

/**
 * valPred/valAct, testPred/testAct: (N, outputs) in original units, windows in time order; `horizonOf(o)` the horizon
 * step (0-based) of output o; `coverage` the nominal level.
 */
export function adaptiveIntervals(
  valPred: ArrayLike<number>,
  valAct: ArrayLike<number>,
  testPred: ArrayLike<number>,
  testAct: ArrayLike<number>,
  outputs: number,
  horizonOf: (o: number) => number,
  coverage: number,
  gamma = ACI_GAMMA,
): AdaptiveIntervals {
  const Nv = Math.floor(valAct.length / outputs),
    Nt = Math.floor(testAct.length / outputs);
  if (Nv === 0) throw new RangeError('adaptiveIntervals: no validation windows');
  const a0 = 1 - coverage;
  const lower = new Float64Array(Nt * outputs),
    upper = new Float64Array(Nt * outputs);
  const lastLower: number[] = [],
    lastUpper: number[] = [];
  let inside = 0,
    insideStatic = 0;
  for (let o = 0; o < outputs; o++) {
    const r = Float64Array.from({ length: Nv }, (_, j) => valAct[j * outputs + o]! - valPred[j * outputs + o]!).sort();
    const lag = horizonOf(o) + 1; // window j − lag's actual is known at window j's origin
    const sLo = quantile(r, a0 / 2),
      sHi = quantile(r, 1 - a0 / 2);
    let alpha = a0;
    const miss = new Uint8Array(Nt);
    for (let j = 0; j < Nt; j++) {
      if (j >= lag) alpha += gamma * (a0 - miss[j - lag]!);
      const lo = quantile(r, alpha / 2),
        hi = quantile(r, 1 - alpha / 2);
      const i = j * outputs + o,
        e = testAct[i]! - testPred[i]!;
      lower[i] = lo;
      upper[i] = hi;
      miss[j] = e < lo || e > hi ? 1 : 0;
      if (!miss[j]) inside++;
      if (e >= sLo && e <= sHi) insideStatic++;
    }
    // the level after every test actual is known
    for (let j = Math.max(0, Nt - lag); j < Nt; j++) alpha += gamma * (a0 - miss[j]!);
    lastLower.push(quantile(r, alpha / 2));
    lastUpper.push(quantile(r, 1 - alpha / 2));
  }
  const n = Nt * outputs;
  return { lower, upper, coverage: n ? inside / n : NaN, staticCoverage: n ? insideStatic / n : NaN, lastLower, lastUpper };
}
