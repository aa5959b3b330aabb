/**
 * The state projector's maths: PCA of one layer's states over the read text (every position a point), UMAP as the
 * option (umap-js, on a sample), and "where else is the model in this state?": the nearest positions in state space.
 * Shapes: X (T,H), time-major, unit fastest.
 */
import { UMAP } from 'umap-js';
import type { Kernels } from '../../engine/kernels';
import { Rng } from '../../engine/rng';
import { centredGram, columnMeans, projectRows, topEigen } from './linalg';

export interface Pca {
  /** (T,k) coordinates of every row on the first k components */
  coords: Float32Array;
  k: number;
  /** fraction of the total variance along each component */
  explained: number[];
  /** (H,k) components as columns */
  components: Float32Array;
  mean: Float64Array;
}

/** PCA of X (T,H) onto k components (covariance through sgemm, top eigenvectors: linalg.topEigen). */
export function pca(kern: Kernels, X: Float32Array, T: number, H: number, k = 2): Pca {
  if (T < 2) throw new Error('PCA needs at least 2 positions');
  const mean = columnMeans(X, T, H);
  const G = centredGram(kern, X, H, mean, 0, T); // (H,H) = (T−1)·covariance
  let trace = 0;
  for (let u = 0; u < H; u++) trace += G[u * H + u]!;
  const e = topEigen(kern, G, H, k);
  const kk = e.values.length;
  return {
    coords: projectRows(kern, X, T, H, mean, e.vectors, kk),
    k: kk,
    explained: e.values.map((v) => (trace > 0 ? Math.max(0, v) / trace : 0)),
    components: e.vectors,
    mean,
  };
}

/** positions shown by UMAP at most (an even sample of the text): umap-js is O(n log n) with a large constant */
export const UMAP_MAX_POINTS = 2000;

/** evenly spaced sample of n of T positions */
export function samplePositions(T: number, n: number): Int32Array {
  if (T <= n) return Int32Array.from({ length: T }, (_, i) => i);
  return Int32Array.from({ length: n }, (_, i) => Math.floor((i * T) / n));
}

/**
 * UMAP of a sample of the rows of X (T,H) to 2-D. The rows are first reduced by PCA to at most 32 dimensions (the
 * usual preprocessing; it also makes the neighbour search cheap). `progress(epoch, of)` is called as it runs.
 */
export async function umap(
  kern: Kernels,
  X: Float32Array,
  T: number,
  H: number,
  opts: { maxPoints?: number; seed?: number; progress?: (epoch: number, of: number) => void } = {},
): Promise<{ index: Int32Array; coords: Float32Array }> {
  const index = samplePositions(T, opts.maxPoints ?? UMAP_MAX_POINTS);
  const n = index.length;
  const d = Math.min(32, H);
  const sub = new Float32Array(n * H);
  for (let i = 0; i < n; i++) sub.set(X.subarray(index[i]! * H, (index[i]! + 1) * H), i * H);
  const red = d < H ? pca(kern, sub, n, H, d).coords : sub;
  const rows = Array.from({ length: n }, (_, i) => Array.from(red.subarray(i * d, (i + 1) * d)));
  const rng = new Rng(opts.seed ?? 1);
  const u = new UMAP({ nComponents: 2, nNeighbors: Math.min(15, Math.max(2, n - 1)), minDist: 0.1, nEpochs: 200, random: () => rng.uniform(0, 1) });
  const epochs = u.initializeFit(rows);
  for (let e = 0; e < epochs; e++) {
    u.step();
    if (e % 20 === 0) {
      opts.progress?.(e, epochs);
      await new Promise((r) => setImmediate(r));
    }
  }
  const emb = u.getEmbedding();
  const coords = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    coords[2 * i] = emb[i]![0]!;
    coords[2 * i + 1] = emb[i]![1]!;
  }
  return { index, coords };
}

export interface Neighbour {
  t: number;
  /** Euclidean distance in state space */
  dist: number;
}

/**
 * The k positions whose state is nearest to the mean state of `query` (positions), skipping the query positions
 * and the `exclude` positions on each side of each (a state is always close to its own neighbours in time).
 */
export function nearestStates(X: Float32Array, T: number, H: number, query: ArrayLike<number>, k = 20, exclude = 2): Neighbour[] {
  if (query.length === 0) return [];
  const q = new Float64Array(H);
  for (let i = 0; i < query.length; i++) for (let u = 0, r = query[i]! * H; u < H; u++) q[u] += X[r + u]! / query.length;
  const skip = new Uint8Array(T);
  for (let i = 0; i < query.length; i++) for (let t = Math.max(0, query[i]! - exclude); t <= Math.min(T - 1, query[i]! + exclude); t++) skip[t] = 1;
  const best: Neighbour[] = [];
  for (let t = 0; t < T; t++) {
    if (skip[t]) continue;
    let d = 0;
    for (let u = 0, r = t * H; u < H; u++) d += (X[r + u]! - q[u]!) ** 2;
    if (best.length < k || d < best[best.length - 1]!.dist) {
      best.push({ t, dist: d });
      best.sort((a, b) => a.dist - b.dist || a.t - b.t);
      if (best.length > k) best.pop();
    }
  }
  return best.map((b) => ({ t: b.t, dist: Math.sqrt(b.dist) }));
}
