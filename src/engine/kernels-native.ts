/**
 * The native kernel backend's TypeScript side: native/seqlab_kernels.c (AVX2/FMA sgemm and fused cell kernels,
 * Node-API) implements the engine's `Kernels` interface on plain Float32Arrays (the addon reads them in place); a call
 * with any other array type (the float64 gradient checks) goes to the reference kernels. The addon itself is loaded
 * by the worker layer (worker/kernels-native.ts) and passed in: the engine loads no files.
 */
import { type Kernels, gemmRef } from './kernels';
import { refFused } from './pointwise';
import type { Arr } from './shapes';

/** The addon's exports: the same argument order as `Kernels`; each returns false when an array is not a Float32Array. */
export interface NativeAddon {
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
  ): boolean;
  lstmForward(...a: Parameters<Kernels['lstmForward']>): boolean;
  lstmBackward(...a: Parameters<Kernels['lstmBackward']>): boolean;
  gruForward(...a: Parameters<Kernels['gruForward']>): boolean;
  gruBackward(...a: Parameters<Kernels['gruBackward']>): boolean;
  rnnForward(...a: Parameters<Kernels['rnnForward']>): boolean;
  rnnBackward(...a: Parameters<Kernels['rnnBackward']>): boolean;
  adam(
    n: number,
    p: Arr,
    pOff: number,
    g: Arr,
    gOff: number,
    m: Arr,
    mOff: number,
    v: Arr,
    vOff: number,
    beta1: number,
    beta2: number,
    a: number,
    sc2: number,
    eps: number,
    weightDecay: number,
  ): boolean;
  sumSquares(n: number, x: Arr, xOff: number): number | false;
  scale(n: number, x: Arr, xOff: number, s: number): boolean;
  crossEntropy(probs: Arr, logits: Arr, targets: ArrayLike<number>, N: number, V: number): number | false;
  /** Size the addon's thread pool (shared by every thread of the process; n <= 0 leaves it); returns its size. */
  setThreads(n: number): number;
}

export class NativeKernels implements Kernels {
  readonly name = 'native-avx2';
  constructor(private readonly n: NativeAddon) {}
  /** Grow the addon's thread pool to at least `threads` (never shrinks it: another thread of the process may use it). */
  ensureThreads(threads: number): number {
    const now = this.n.setThreads(0);
    return now >= threads ? now : this.n.setThreads(Math.floor(threads));
  }
  /** Set the pool size exactly (benchmarks and tests). */
  setThreads(threads: number): number {
    return this.n.setThreads(threads);
  }
  alloc(n: number): Float32Array {
    return new Float32Array(n);
  }
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
  ): void {
    if (!this.n.gemm(transA, transB, M, N, K, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc))
      gemmRef(transA, transB, M, N, K, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
  }
  lstmForward(...a: Parameters<Kernels['lstmForward']>): void {
    if (!this.n.lstmForward(...a)) refFused.lstmForward(...a);
  }
  lstmBackward(...a: Parameters<Kernels['lstmBackward']>): void {
    if (!this.n.lstmBackward(...a)) refFused.lstmBackward(...a);
  }
  gruForward(...a: Parameters<Kernels['gruForward']>): void {
    if (!this.n.gruForward(...a)) refFused.gruForward(...a);
  }
  gruBackward(...a: Parameters<Kernels['gruBackward']>): void {
    if (!this.n.gruBackward(...a)) refFused.gruBackward(...a);
  }
  rnnForward(...a: Parameters<Kernels['rnnForward']>): void {
    if (!this.n.rnnForward(...a)) refFused.rnnForward(...a);
  }
  rnnBackward(...a: Parameters<Kernels['rnnBackward']>): void {
    if (!this.n.rnnBackward(...a)) refFused.rnnBackward(...a);
  }
  adam(n: number, p: Arr, g: Arr, m: Arr, v: Arr, beta1: number, beta2: number, a: number, sc2: number, eps: number, weightDecay: number): boolean {
    return this.n.adam(n, p, 0, g, 0, m, 0, v, 0, beta1, beta2, a, sc2, eps, weightDecay);
  }
  sumSquares(n: number, x: Arr): number | null {
    const s = this.n.sumSquares(n, x, 0);
    return s === false ? null : s;
  }
  scale(n: number, x: Arr, s: number): boolean {
    return this.n.scale(n, x, 0, s);
  }
  crossEntropy(probs: Arr, logits: Arr, targets: ArrayLike<number>, N: number, V: number): number | null {
    const s = this.n.crossEntropy(probs, logits, targets, N, V);
    return s === false ? null : s;
  }
}
