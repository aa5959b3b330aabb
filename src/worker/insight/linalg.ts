/**
 * Dense linear algebra over hidden states for the panel's projector and probes: column means, the Gram matrix of
 * centred rows, and the top eigenvectors of a symmetric matrix.
 *
 * The big products (X is up to 50,000 × 512) run through the engine's kernels (native/WASM sgemm), in chunks of rows
 * copied into the backend's own memory with the mean subtracted on the way. The small symmetric eigenproblems are
 * ml-matrix's (a JAMA port, tred2 + tql2). That routine takes about 1 s on a 512 × 512 matrix here, so above
 * DIRECT_MAX units the top k come from subspace iteration (C·Q through sgemm, Gram–Schmidt, then ml-matrix on the
 * small l × l Rayleigh quotient), which converges in a few dozen products for the leading components.
 * Shapes: T rows (positions), H columns (units).
 */
import { CholeskyDecomposition, EigenvalueDecomposition, Matrix } from 'ml-matrix';
import type { Kernels } from '../../engine/kernels';
import { Rng } from '../../engine/rng';

const CHUNK = 4096;

/** column means (H) of X (T,H), in float64 */
export function columnMeans(X: Float32Array, T: number, H: number): Float64Array {
  const m = new Float64Array(H);
  for (let t = 0; t < T; t++) for (let u = 0, r = t * H; u < H; u++) m[u] += X[r + u]!;
  for (let u = 0; u < H; u++) m[u] /= T || 1;
  return m;
}

/** Xcᵀ·Xc (H,H) over rows [t0, t1) of X (T,H), Xc = X − mean, through `k.gemm` on chunks copied into k's memory */
export function centredGram(k: Kernels, X: Float32Array, H: number, mean: Float64Array, t0: number, t1: number): Float32Array {
  const G = k.alloc(H * H); // (H,H)
  const A = k.alloc(Math.min(CHUNK, Math.max(1, t1 - t0)) * H); // (chunk,H)
  for (let s = t0; s < t1; s += CHUNK) {
    const n = Math.min(CHUNK, t1 - s);
    for (let t = 0; t < n; t++) for (let u = 0, r = (s + t) * H, o = t * H; u < H; u++) A[o + u] = X[r + u]! - mean[u]!;
    k.gemm(true, false, H, H, n, A, 0, H, A, 0, H, s === t0 ? 0 : 1, G, 0, H);
  }
  return Float32Array.from(G);
}

/** P (T,k) = (X − mean) · V, V (H,k) row-major, through `k.gemm` on chunks */
export function projectRows(kern: Kernels, X: Float32Array, T: number, H: number, mean: Float64Array, V: Float32Array, k: number): Float32Array {
  const out = new Float32Array(T * k);
  const A = kern.alloc(Math.min(CHUNK, Math.max(1, T)) * H),
    Vk = kern.alloc(H * k),
    P = kern.alloc(Math.min(CHUNK, Math.max(1, T)) * k);
  Vk.set(V);
  for (let s = 0; s < T; s += CHUNK) {
    const n = Math.min(CHUNK, T - s);
    for (let t = 0; t < n; t++) for (let u = 0, r = (s + t) * H, o = t * H; u < H; u++) A[o + u] = X[r + u]! - mean[u]!;
    kern.gemm(false, false, n, k, H, A, 0, H, Vk, 0, k, 0, P, 0, k);
    out.set(P.subarray(0, n * k), s * k);
  }
  return out;
}

/** above this many units the top eigenvectors come from subspace iteration rather than a full decomposition */
export const DIRECT_MAX = 160;

export interface TopEigen {
  /** the k largest eigenvalues, largest first */
  values: number[];
  /** eigenvectors as the columns of a (H,k) row-major matrix; each has its largest-magnitude entry positive */
  vectors: Float32Array;
}

/** The k largest eigenpairs of the symmetric matrix C (H,H). */
export function topEigen(kern: Kernels, C: Float32Array, H: number, k: number): TopEigen {
  k = Math.min(k, H);
  if (H <= DIRECT_MAX) {
    const e = new EigenvalueDecomposition(toMatrix(C, H, H), { assumeSymmetric: true });
    const order = e.realEigenvalues.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0]);
    const V = e.eigenvectorMatrix;
    const vectors = new Float32Array(H * k);
    for (let j = 0; j < k; j++) for (let u = 0; u < H; u++) vectors[u * k + j] = V.get(u, order[j]![1]);
    return { values: order.slice(0, k).map((o) => o[0]), vectors: fixSigns(vectors, H, k) };
  }
  return subspaceIteration(kern, C, H, k);
}

function toMatrix(a: ArrayLike<number>, rows: number, cols: number): Matrix {
  const m = new Matrix(rows, cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) m.set(i, j, a[i * cols + j]!);
  return m;
}

/** make each column's largest-magnitude entry positive (eigenvectors are defined up to sign; this fixes one) */
function fixSigns(V: Float32Array, H: number, k: number): Float32Array {
  for (let j = 0; j < k; j++) {
    let best = 0;
    for (let u = 0; u < H; u++) if (Math.abs(V[u * k + j]!) > Math.abs(best)) best = V[u * k + j]!;
    if (best < 0) for (let u = 0; u < H; u++) V[u * k + j] = -V[u * k + j]!;
  }
  return V;
}

/** orthonormalise the l columns of Q (H,l) in place (modified Gram–Schmidt, float64 accumulation) */
function orthonormalise(Q: Float32Array, H: number, l: number): void {
  for (let j = 0; j < l; j++) {
    for (let i = 0; i < j; i++) {
      let d = 0;
      for (let u = 0; u < H; u++) d += Q[u * l + i]! * Q[u * l + j]!;
      for (let u = 0; u < H; u++) Q[u * l + j] -= d * Q[u * l + i]!;
    }
    let n = 0;
    for (let u = 0; u < H; u++) n += Q[u * l + j]! ** 2;
    const inv = n > 1e-30 ? 1 / Math.sqrt(n) : 0;
    for (let u = 0; u < H; u++) Q[u * l + j] *= inv;
  }
}

/** top-k eigenpairs of C (H,H) by block power iteration with Rayleigh–Ritz, block l = k + 8 */
function subspaceIteration(kern: Kernels, C: Float32Array, H: number, k: number): TopEigen {
  const l = Math.min(H, k + 8);
  const Ck = kern.alloc(H * H),
    Q = kern.alloc(H * l),
    Z = kern.alloc(H * l);
  Ck.set(C);
  const rng = new Rng(7);
  for (let i = 0; i < H * l; i++) Q[i] = rng.normal();
  orthonormalise(Q, H, l);
  let prev: number[] = [];
  let ritz = { values: [] as number[], U: new Matrix(l, l) };
  for (let it = 1; it <= 400; it++) {
    kern.gemm(false, false, H, l, H, Ck, 0, H, Q, 0, l, 0, Z, 0, l); // Z = C·Q
    if (it % 4 === 0 || it === 400) {
      ritz = rayleighRitz(Q, Z, H, l); // S = Qᵀ·C·Q = Qᵀ·Z
      const top = ritz.values.slice(0, k);
      const done = prev.length === k && top.every((v, j) => Math.abs(v - prev[j]!) <= 1e-6 * Math.abs(top[0]!));
      prev = top;
      if (done || it === 400) break;
    }
    Q.set(Z);
    orthonormalise(Q, H, l);
  }
  // Ritz vectors: Q · U (the Q that S was formed from)
  const vectors = new Float32Array(H * k);
  for (let u = 0; u < H; u++)
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let i = 0; i < l; i++) s += Q[u * l + i]! * ritz.U.get(i, j);
      vectors[u * k + j] = s;
    }
  return { values: prev, vectors: fixSigns(vectors, H, k) };
}

function rayleighRitz(Q: Float32Array, Z: Float32Array, H: number, l: number): { values: number[]; U: Matrix } {
  const S = new Matrix(l, l);
  for (let i = 0; i < l; i++)
    for (let j = i; j < l; j++) {
      let s = 0;
      for (let u = 0; u < H; u++) s += Q[u * l + i]! * Z[u * l + j]!;
      S.set(i, j, s);
      S.set(j, i, s);
    }
  const e = new EigenvalueDecomposition(S, { assumeSymmetric: true });
  const order = e.realEigenvalues.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0]);
  const U = new Matrix(l, l);
  for (let j = 0; j < l; j++) for (let i = 0; i < l; i++) U.set(i, j, e.eigenvectorMatrix.get(i, order[j]![1]));
  return { values: order.map((o) => o[0]), U };
}

/** Solve the symmetric positive-definite system A·x = b (A (n,n) row-major) by Cholesky (ml-matrix). */
export function solveSpd(A: ArrayLike<number>, b: ArrayLike<number>, n: number): Float64Array {
  const x = new CholeskyDecomposition(toMatrix(A, n, n)).solve(Matrix.columnVector(Array.from(b)));
  return Float64Array.from(x.getColumn(0));
}
