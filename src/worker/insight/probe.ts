/**
 * Linear probes (Alain & Bengio 2016; NeuroX): can a linear read-out of the whole state predict a feature of the
 * text? Ridge regression on the states of the first `trainFrac` of the positions, scored on the rest (a contiguous
 * split: neighbouring positions are alike, so a random split would leak). A binary feature is predicted by
 * thresholding at 0.5 and scored by accuracy against the majority-class rate; a numeric one by R².
 */
import type { Kernels } from '../../engine/kernels';
import { centredGram, columnMeans, solveSpd } from './linalg';

export interface ProbeResult {
  kind: 'binary' | 'numeric';
  /** held-out accuracy (binary) or R² (numeric) */
  score: number;
  /** what predicting the training majority scores (binary), 0 for R² */
  baseline: number;
  train: number;
  test: number;
}

/** Train and score a ridge probe of feature y (T) on the states X (T,H). */
export function linearProbe(
  kern: Kernels,
  X: Float32Array,
  T: number,
  H: number,
  y: ArrayLike<number>,
  opts: { trainFrac?: number; ridge?: number } = {},
): ProbeResult {
  const n = Math.floor(T * (opts.trainFrac ?? 0.8));
  if (n < 10 || T - n < 5) throw new Error('a probe needs at least 15 positions');
  let binary = true;
  for (let t = 0; t < T; t++) if (y[t] !== 0 && y[t] !== 1) binary = false;
  const mean = columnMeans(X.subarray(0, n * H), n, H);
  let ym = 0;
  for (let t = 0; t < n; t++) ym += y[t]!;
  ym /= n;
  const G = Float64Array.from(centredGram(kern, X, H, mean, 0, n)); // (H,H)
  let trace = 0;
  for (let u = 0; u < H; u++) trace += G[u * H + u]!;
  const lambda = (opts.ridge ?? 1e-3) * (trace / H || 1);
  for (let u = 0; u < H; u++) G[u * H + u] += lambda;
  const b = new Float64Array(H); // Xcᵀ (y − ȳ)
  for (let t = 0; t < n; t++) {
    const d = y[t]! - ym;
    for (let u = 0, r = t * H; u < H; u++) b[u] += (X[r + u]! - mean[u]!) * d;
  }
  const w = solveSpd(G, b, H);
  const pred = (t: number) => {
    let s = ym;
    for (let u = 0, r = t * H; u < H; u++) s += (X[r + u]! - mean[u]!) * w[u]!;
    return s;
  };
  const test = T - n;
  if (binary) {
    let right = 0,
      majority = 0;
    const major = ym >= 0.5 ? 1 : 0;
    for (let t = n; t < T; t++) {
      if ((pred(t) >= 0.5 ? 1 : 0) === y[t]) right++;
      if (y[t] === major) majority++;
    }
    return { kind: 'binary', score: right / test, baseline: majority / test, train: n, test };
  }
  let tm = 0;
  for (let t = n; t < T; t++) tm += y[t]!;
  tm /= test;
  let ss = 0,
    res = 0;
  for (let t = n; t < T; t++) {
    ss += (y[t]! - tm) ** 2;
    res += (y[t]! - pred(t)) ** 2;
  }
  return { kind: 'numeric', score: ss > 0 ? 1 - res / ss : 0, baseline: 0, train: n, test };
}
