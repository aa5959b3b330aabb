/**
 * The small kernel interface every fast path implements. The engine allocates every hot buffer through
 * `alloc` (so a WASM backend can place it in its linear memory) and does every matrix product through `gemm`.
 * `refKernels` is the plain reference; tests prove any other backend agrees with it.
 */
import type { Arr } from './shapes';

export interface Kernels {
  readonly name: string;
  /** A zeroed Float32Array of n values that this backend's kernels can operate on. */
  alloc(n: number): Float32Array;
  /**
   * Row-major C = beta*C + op(A)·op(B), op(X) = X or Xᵀ.
   * op(A) is (M,K), op(B) is (K,N), C is (M,N). lda/ldb/ldc are the row strides of the stored matrices.
   */
  gemm(transA: boolean, transB: boolean, M: number, N: number, K: number,
    A: Arr, aOff: number, lda: number, B: Arr, bOff: number, ldb: number,
    beta: number, C: Arr, cOff: number, ldc: number): void;
}

/** Reference GEMM: plain loops, generic over float32/float64 (float64 is used by the gradient checks). */
export function gemmRef(transA: boolean, transB: boolean, M: number, N: number, K: number,
  A: Arr, aOff: number, lda: number, B: Arr, bOff: number, ldb: number,
  beta: number, C: Arr, cOff: number, ldc: number): void {
  for (let i = 0; i < M; i++) {
    const ci = cOff + i * ldc;
    if (beta === 0) for (let j = 0; j < N; j++) C[ci + j] = 0;
    else if (beta !== 1) for (let j = 0; j < N; j++) C[ci + j] *= beta;
    for (let k = 0; k < K; k++) {
      const a = transA ? A[aOff + k * lda + i] : A[aOff + i * lda + k];
      if (a === 0) continue;
      if (transB) for (let j = 0; j < N; j++) C[ci + j] += a * B[bOff + j * ldb + k];
      else {
        const bk = bOff + k * ldb;
        for (let j = 0; j < N; j++) C[ci + j] += a * B[bk + j];
      }
    }
  }
}

export const refKernels: Kernels = {
  name: 'ref',
  alloc: (n) => new Float32Array(n),
  gemm: gemmRef,
};
