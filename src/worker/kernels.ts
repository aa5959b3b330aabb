/**
 * Chooses the kernel backend for a run, fastest first:
 *   1. the native AVX2/FMA kernels (dist/native/seqlab-kernels.node, kernels-native.ts), with a thread pool of
 *      `threads` threads;
 *   2. the WASM SIMD kernels (FMA build where the runtime has relaxed SIMD), with helper threads on the shared memory;
 *   3. the reference kernels.
 * A step down the list warns once, with the reason. SEQLAB_KERNELS=native|wasm|ref forces one backend (benchmarks,
 * tests, or to rule the fast paths out when chasing a bug).
 */
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { type Kernels, refKernels } from '../engine/kernels';
import { createWasmKernels, WasmKernels, wasmLoadError } from '../engine/kernels-wasm';
import { KERNEL_HELPER_SOURCE } from '../engine/wasm/helpers';
import { NativeKernels } from '../engine/kernels-native';
import { loadNativeKernels, nativeLoadError } from './kernels-native';

let chosen: Kernels | null = null;
const helpers: Worker[] = [];

export function pickKernels(warn: (message: string) => void = () => {}, threads = 1): Kernels {
  if (chosen instanceof NativeKernels) chosen.ensureThreads(threads);
  if (chosen) return chosen;
  const force = process.env.SEQLAB_KERNELS;
  if (force === 'ref') return (chosen = refKernels);
  if (force !== 'wasm') {
    const n = loadNativeKernels();
    if (n) {
      n.ensureThreads(threads);
      return (chosen = n);
    }
    if (force === 'native') throw new Error(`SEQLAB_KERNELS=native: ${nativeLoadError}`);
  }
  try {
    setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    /* not needed on newer runtimes */
  }
  const k = createWasmKernels();
  if (!k) {
    warn(
      `the fast kernels could not load (native: ${nativeLoadError || 'not tried'}; WebAssembly: ${wasmLoadError || 'unknown reason'}); training uses the slower reference kernels`,
    );
    return (chosen = refKernels);
  }
  if (force !== 'wasm') warn(`the native kernels could not load (${nativeLoadError}); training uses the WebAssembly kernels, which are slower`);
  for (let i = 1; i < Math.max(1, Math.floor(threads)); i++) {
    const w = new Worker(KERNEL_HELPER_SOURCE, { eval: true, workerData: k.createHelper() });
    w.unref();
    helpers.push(w);
  }
  return (chosen = k);
}

/** Stop the helper threads (call when the process is done training). The native pool's threads sleep when idle. */
export function releaseKernels(): void {
  if (chosen instanceof WasmKernels) chosen.stopHelpers();
  helpers.length = 0;
}
