/**
 * The small kernel interface every fast path implements. The engine allocates every hot buffer through
 * `alloc` (so a WASM backend can place it in its linear memory), does every matrix product through `gemm`,
 * and the per-step cell math through the fused kernels (pointwise.ts).
 * `refKernels` is the plain reference; tests prove any other backend agrees with it.
 */
import { type FusedKernels, refFused } from './pointwise';
import type { Arr } from './shapes';

export interface Kernels extends FusedKernels {
  readonly name: string;
  /** A zeroed Float32Array of n values that this backend's kernels can operate on. */
  alloc(n: number): Float32Array;
  /**
   * Row-major C = beta*C + op(A)·op(B), op(X) = X or Xᵀ.
   * op(A) is (M,K), op(B) is (K,N), C is (M,N). lda/ldb/ldc are the row strides of the stored matrices.
   */
  gemm(
    transA: boolean,
    transB: boolean,
    M: number,
    N: number,
    K: number,
    A: Arr,
    aOff: number,
    lda: number,
    B: Arr,
    bOff: number,
    ldb: number,
    beta: number,
    C: Arr,
    cOff: number,
    ldc: number,
  ): void;
  /**
   * Optional whole-array kernels. Each returns false (or null) when it does not take the arrays given (e.g. float64
   * ones), and the caller runs its TS loop, which is the reference: Optimizer.step (optim.ts), clipGradNorm, and
   * crossEntropyForward (layers.ts).
   */
  /** Adam over n values: the update of Optimizer.step with a = lr/(1-β1^t), sc2 = 1/sqrt(1-β2^t). m, v (n). */
  adam?(n: number, p: Arr, g: Arr, m: Arr, v: Arr, beta1: number, beta2: number, a: number, sc2: number, eps: number, weightDecay: number): boolean;
  /** Σ x² over x[0..n) (float64 accumulation) */
  sumSquares?(n: number, x: Arr): number | null;
  /** x[0..n) *= s */
  scale?(n: number, x: Arr, s: number): boolean;
  /** probs (N,V) = softmax(logits (N,V)); returns Σ_n −log probs[n, targets[n]] (the sum, not the mean) */
  crossEntropy?(probs: Arr, logits: Arr, targets: ArrayLike<number>, N: number, V: number): number | null;
}

/**
 * Reference GEMM: plain loops, generic over float32/float64 (float64 is used by the gradient checks).
 * Each transpose case keeps its innermost loop contiguous in memory.
 */
export function gemmRef(
  transA: boolean,
  transB: boolean,
  M: number,
  N: number,
  K: number,
  A: Arr,
  aOff: number,
  lda: number,
  B: Arr,
  bOff: number,
  ldb: number,
  beta: number,
  C: Arr,
  cOff: number,
  ldc: number,
): void {
  for (let i = 0; i < M; i++) {
    const ci = cOff + i * ldc;
    if (beta === 0) for (let j = 0; j < N; j++) C[ci + j] = 0;
    else if (beta !== 1) for (let j = 0; j < N; j++) C[ci + j] *= beta;
  }
  if (!transA && !transB) {
    // C[i,:] += A[i,k] * B[k,:]
    for (let i = 0; i < M; i++) {
      const ci = cOff + i * ldc,
        ai = aOff + i * lda;
      for (let k = 0; k < K; k++) {
        const a = A[ai + k];
        if (a === 0) continue;
        const bk = bOff + k * ldb;
        for (let j = 0; j < N; j++) C[ci + j] += a * B[bk + j];
      }
    }
  } else if (!transA && transB) {
    // C[i,j] += dot(A[i,:], B[j,:])
    for (let i = 0; i < M; i++) {
      const ci = cOff + i * ldc,
        ai = aOff + i * lda;
      for (let j = 0; j < N; j++) {
        const bj = bOff + j * ldb;
        let s = 0;
        for (let k = 0; k < K; k++) s += A[ai + k] * B[bj + k];
        C[ci + j] += s;
      }
    }
  } else if (transA && !transB) {
    // A stored (K,M): C[i,:] += A[k,i] * B[k,:]
    for (let k = 0; k < K; k++) {
      const ak = aOff + k * lda,
        bk = bOff + k * ldb;
      for (let i = 0; i < M; i++) {
        const a = A[ak + i];
        if (a === 0) continue;
        const ci = cOff + i * ldc;
        for (let j = 0; j < N; j++) C[ci + j] += a * B[bk + j];
      }
    }
  } else {
    for (let i = 0; i < M; i++) {
      const ci = cOff + i * ldc;
      for (let j = 0; j < N; j++) {
        const bj = bOff + j * ldb;
        let s = 0;
        for (let k = 0; k < K; k++) s += A[aOff + k * lda + i] * B[bj + k];
        C[ci + j] += s;
      }
    }
  }
}

export const refKernels: Kernels = {
  ...refFused,
  name: 'ref',
  alloc: (n) => new Float32Array(n),
  gemm: gemmRef,
};
