/**
 * Chooses the kernel backend for a run: the WASM SIMD kernels (FMA build where the runtime has relaxed SIMD),
 * with helper threads on the shared memory when asked for more than one thread; else the reference kernels
 * with one warning. Set SEQLAB_KERNELS=ref to force the reference.
 */
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { type Kernels, refKernels } from '../engine/kernels';
import { createWasmKernels, KERNEL_HELPER_SOURCE, WasmKernels, wasmLoadError } from '../engine/kernels-wasm';

let chosen: Kernels | null = null;
const helpers: Worker[] = [];

export function pickKernels(warn: (message: string) => void = () => {}, threads = 1): Kernels {
  if (chosen) return chosen;
  if (process.env.SEQLAB_KERNELS === 'ref') return (chosen = refKernels);
  try { setFlagsFromString('--experimental-wasm-relaxed-simd'); } catch { /* not needed on newer runtimes */ }
  const k = createWasmKernels();
  if (!k) {
    warn(`the fast WebAssembly kernels could not load (${wasmLoadError || 'unknown reason'}); training uses the slower reference kernels`);
    return (chosen = refKernels);
  }
  for (let i = 1; i < Math.max(1, Math.floor(threads)); i++) {
    const w = new Worker(KERNEL_HELPER_SOURCE, { eval: true, workerData: k.createHelper() });
    w.unref();
    helpers.push(w);
  }
  return (chosen = k);
}

/** Stop the helper threads (call when the process is done training). */
export function releaseKernels(): void {
  if (chosen instanceof WasmKernels) chosen.stopHelpers();
  helpers.length = 0;
}
