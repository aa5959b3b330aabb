/**
 * The native kernel backend: native/seqlab_kernels.c (AVX2/FMA sgemm and fused cell kernels, Node-API), built by
 * scripts/build-native.mjs into dist/native/seqlab-kernels.node. It implements the engine's `Kernels` interface on
 * plain Float32Arrays (the addon reads them in place); a call with any other array type (the float64 gradient
 * checks) goes to the reference kernels. Loading is explicit: `loadNativeKernels()` returns null, with the reason in
 * `nativeLoadError`, when the file is missing, the CPU has no AVX2/FMA, or the platform has no build.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { type Kernels, gemmRef } from '../engine/kernels';
import { refFused } from '../engine/pointwise';
import type { Arr } from '../engine/shapes';

export const NATIVE_FILE = 'seqlab-kernels.node';

/** The addon's exports: the same argument order as `Kernels`; each returns false when an array is not a Float32Array. */
interface NativeAddon {
  gemm(transA: boolean, transB: boolean, M: number, N: number, K: number, A: Arr, aOff: number, lda: number,
    B: Arr, bOff: number, ldb: number, beta: number, C: Arr, cOff: number, ldc: number): boolean;
  lstmForward(...a: Parameters<Kernels['lstmForward']>): boolean;
  lstmBackward(...a: Parameters<Kernels['lstmBackward']>): boolean;
  gruForward(...a: Parameters<Kernels['gruForward']>): boolean;
  gruBackward(...a: Parameters<Kernels['gruBackward']>): boolean;
  rnnForward(...a: Parameters<Kernels['rnnForward']>): boolean;
  rnnBackward(...a: Parameters<Kernels['rnnBackward']>): boolean;
  adam(n: number, p: Arr, pOff: number, g: Arr, gOff: number, m: Arr, mOff: number, v: Arr, vOff: number,
    beta1: number, beta2: number, a: number, sc2: number, eps: number, weightDecay: number): boolean;
  sumSquares(n: number, x: Arr, xOff: number): number | false;
  scale(n: number, x: Arr, xOff: number, s: number): boolean;
  crossEntropy(probs: Arr, logits: Arr, targets: ArrayLike<number>, N: number, V: number): number | false;
  /** Size the addon's thread pool (shared by every thread of the process; n <= 0 leaves it); returns its size. */
  setThreads(n: number): number;
}

export let nativeLoadError = '';

/** Where the addon may be: SEQLAB_NATIVE_KERNELS, beside the bundle (dist/native), or the repo's dist/ (tsx, tests). */
export function nativeCandidates(): string[] {
  const env = process.env.SEQLAB_NATIVE_KERNELS;
  return [
    ...(env ? [env] : []),
    path.join(__dirname, 'native', NATIVE_FILE), // dist/worker.js, dist/cli.js
    path.join(__dirname, '..', 'native', NATIVE_FILE), // dist/bench/*.js
    path.join(__dirname, '..', '..', 'dist', 'native', NATIVE_FILE), // src/worker/*.ts under tsx
  ];
}

let addon: NativeAddon | null | undefined;

function loadAddon(): NativeAddon | null {
  if (addon !== undefined) return addon;
  const file = nativeCandidates().find((f) => existsSync(f));
  if (!file) {
    nativeLoadError = process.platform === 'linux' && process.arch === 'x64' ? `${NATIVE_FILE} not found (run npm run build; it needs a C compiler)` : `no native build for ${process.platform}-${process.arch}`;
    return (addon = null);
  }
  try {
    const m = { exports: {} as NativeAddon };
    process.dlopen(m, file);
    return (addon = m.exports);
  } catch (e) {
    nativeLoadError = `${path.basename(file)}: ${e instanceof Error ? e.message : String(e)}`;
    return (addon = null);
  }
}

export class NativeKernels implements Kernels {
  readonly name = 'native-avx2';
  constructor(private readonly n: NativeAddon) {}
  /** Grow the addon's thread pool to at least `threads` (never shrinks it: another thread of the process may use it). */
  ensureThreads(threads: number): number { const now = this.n.setThreads(0); return now >= threads ? now : this.n.setThreads(Math.floor(threads)); }
  /** Set the pool size exactly (benchmarks and tests). */
  setThreads(threads: number): number { return this.n.setThreads(threads); }
  alloc(n: number): Float32Array { return new Float32Array(n); }
  gemm(transA: boolean, transB: boolean, M: number, N: number, K: number, A: Arr, aOff: number, lda: number,
    B: Arr, bOff: number, ldb: number, beta: number, C: Arr, cOff: number, ldc: number): void {
    if (!this.n.gemm(transA, transB, M, N, K, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc)) gemmRef(transA, transB, M, N, K, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
  }
  lstmForward(...a: Parameters<Kernels['lstmForward']>): void { if (!this.n.lstmForward(...a)) refFused.lstmForward(...a); }
  lstmBackward(...a: Parameters<Kernels['lstmBackward']>): void { if (!this.n.lstmBackward(...a)) refFused.lstmBackward(...a); }
  gruForward(...a: Parameters<Kernels['gruForward']>): void { if (!this.n.gruForward(...a)) refFused.gruForward(...a); }
  gruBackward(...a: Parameters<Kernels['gruBackward']>): void { if (!this.n.gruBackward(...a)) refFused.gruBackward(...a); }
  rnnForward(...a: Parameters<Kernels['rnnForward']>): void { if (!this.n.rnnForward(...a)) refFused.rnnForward(...a); }
  rnnBackward(...a: Parameters<Kernels['rnnBackward']>): void { if (!this.n.rnnBackward(...a)) refFused.rnnBackward(...a); }
  adam(n: number, p: Arr, g: Arr, m: Arr, v: Arr, beta1: number, beta2: number, a: number, sc2: number, eps: number, weightDecay: number): boolean {
    return this.n.adam(n, p, 0, g, 0, m, 0, v, 0, beta1, beta2, a, sc2, eps, weightDecay);
  }
  sumSquares(n: number, x: Arr): number | null { const s = this.n.sumSquares(n, x, 0); return s === false ? null : s; }
  scale(n: number, x: Arr, s: number): boolean { return this.n.scale(n, x, 0, s); }
  crossEntropy(probs: Arr, logits: Arr, targets: ArrayLike<number>, N: number, V: number): number | null {
    const s = this.n.crossEntropy(probs, logits, targets, N, V); return s === false ? null : s;
  }
}

/** The native backend, or null (reason in `nativeLoadError`). */
export function loadNativeKernels(): NativeKernels | null {
  const a = loadAddon();
  return a ? new NativeKernels(a) : null;
}
