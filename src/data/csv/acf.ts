/** The sample autocorrelation function (the season detectors, Theta's seasonality test). */

/** autocorrelation of x (mean removed) at lags 0..maxLag */
export function autocorrelation(x: ArrayLike<number>, maxLag: number): Float64Array {
  const n = x.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += x[i]!;
  m /= n;
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = x[i]! - m;
  let c0 = 0;
  for (let i = 0; i < n; i++) c0 += d[i]! * d[i]!;
  const L = Math.min(maxLag, n - 1);
  const acf = new Float64Array(L + 1);
  if (c0 === 0) return acf;
  for (let k = 0; k <= L; k++) {
    let c = 0;
    for (let i = k; i < n; i++) c += d[i]! * d[i - k]!;
    acf[k] = c / c0;
  }
  return acf;
}
