/**
 * The Theta method (Assimakopoulos & Nikolopoulos 2000) as Hyndman & Billah (2003) state it and statsmodels'
 * ThetaModel computes it (OLS/SES estimation, θ = 2): the series is deseasonalised by a classical multiplicative
 * decomposition when a seasonality test says so (additive when the data is not positive), then
 *   ŷ(n+h) = SES(n+1) + ½·b0·(h − 1 + 1/α − (1−α)ⁿ/α),
 * b0 the slope of a least-squares line through the (deseasonalised) data, SES simple exponential smoothing from the
 * first value, α by least squares; and the season is put back. test/unit/forecast-stats.test.ts checks it against
 * statsmodels. Written here: no maintained JS package has it.
 */
import { autocorrelation } from './acf';
import { minimise1d } from './optimize';

export interface ThetaFit {
  seasonal: boolean;
  method: 'mul' | 'add';
  b0: number;
  alpha: number;
  forecast(steps: number): Float64Array;
  /**
   * the forecast after `y`, which starts where the fitted data starts and may run past its end: the SES level is
   * carried through y with α, the drift and the seasonal indices fixed
   */
  forecastFrom(y: ArrayLike<number>, steps: number): Float64Array;
}

/** statsmodels' seasonality test: n·ρ(m)² / Σ_{k<m} ρ(k)² above the 10 % point of χ²(1) */
export function thetaSeasonal(y: ArrayLike<number>, m: number): boolean {
  if (m < 2 || y.length < 2 * m) return false;
  const rho = autocorrelation(y, m);
  let den = 0;
  for (let k = 0; k < m; k++) den += rho[k]! ** 2;
  return (y.length * rho[m]! ** 2) / den > 2.705543454095404;
}

/** classical decomposition's seasonal indices (m values for phases 0..m−1): centred moving average, phase means, normalised */
export function classicalSeasonal(y: ArrayLike<number>, m: number, method: 'mul' | 'add'): Float64Array {
  const n = y.length,
    half = Math.floor(m / 2);
  const sums = new Float64Array(m),
    counts = new Float64Array(m);
  for (let i = half; i + half < n; i++) {
    let tr = 0;
    if (m % 2 === 1) for (let j = i - half; j <= i + half; j++) tr += y[j]! / m;
    else {
      for (let j = i - half + 1; j < i + half; j++) tr += y[j]! / m;
      tr += (y[i - half]! + y[i + half]!) / (2 * m);
    }
    sums[i % m] += method === 'mul' ? y[i]! / tr : y[i]! - tr;
    counts[i % m]++;
  }
  const s = Float64Array.from(sums, (v, j) => v / counts[j]!);
  const avg = s.reduce((a, v) => a + v, 0) / m;
  return s.map((v) => (method === 'mul' ? v / avg : v - avg));
}

/** Fit Theta to y with season m (1: none). */
export function theta(y: ArrayLike<number>, m: number): ThetaFit {
  const n = y.length;
  if (n < 3) throw new RangeError('Theta needs at least 3 observations');
  const seasonal = thetaSeasonal(y, m);
  let method: 'mul' | 'add' = 'mul';
  let idx: Float64Array = new Float64Array(0);
  let x = Float64Array.from({ length: n }, (_, i) => y[i]!);
  if (seasonal) {
    let min = Infinity;
    for (let i = 0; i < n; i++) min = Math.min(min, y[i]!);
    method = min > 0 ? 'mul' : 'add';
    idx = classicalSeasonal(y, m, method);
    if (method === 'mul' && idx.some((v) => v <= 0)) {
      method = 'add';
      idx = classicalSeasonal(y, m, 'add');
    }
    x = x.map((v, i) => (method === 'mul' ? v / idx[i % m]! : v - idx[i % m]!));
  }
  // the slope of the least-squares line through x over t = 0..n−1
  let st = 0,
    sx = 0,
    stt = 0,
    stx = 0;
  for (let t = 0; t < n; t++) [st, sx, stt, stx] = [st + t, sx + x[t]!, stt + t * t, stx + t * x[t]!];
  const b0 = (n * stx - st * sx) / (n * stt - st * st);
  // SES from l = x0: one-step errors x_t − l_{t−1}, α minimising their sum of squares
  const ses = (a: number) => {
    let l = x[0]!,
      sse = 0;
    for (let t = 0; t < n; t++) {
      sse += (x[t]! - l) ** 2;
      l = a * x[t]! + (1 - a) * l;
    }
    return { sse, level: l };
  };
  const alpha = minimise1d((a) => ses(a).sse, 0, 1, 100).x;
  const adjust = (v: number, i: number) => (!seasonal ? v : method === 'mul' ? v / idx[i % m]! : v - idx[i % m]!);
  const forecastFrom = (z: ArrayLike<number>, steps: number): Float64Array => {
    const N = z.length;
    let l = adjust(z[0]!, 0);
    for (let t = 0; t < N; t++) l = alpha * adjust(z[t]!, t) + (1 - alpha) * l;
    const out = new Float64Array(steps);
    for (let h = 0; h < steps; h++) {
      const trend = b0 * (h + (alpha > 0 ? 1 / alpha - (1 - alpha) ** N / alpha : 0));
      let f = l + 0.5 * trend;
      if (seasonal) f = method === 'mul' ? f * idx[(N + h) % m]! : f + idx[(N + h) % m]!;
      out[h] = f;
    }
    return out;
  };
  return { seasonal, method, b0, alpha, forecast: (steps) => forecastFrom(y, steps), forecastFrom };
}
