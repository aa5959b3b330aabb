/**
 * Optimizers over the flat parameter array. State lives in one flat array with named views:
 * Adam [m (N), v (N)], SGD [velocity (N)], RMSProp [meanSquare (N)].
 */
import type { Kernels } from './kernels';
import type { OptimizerName } from './options';
import type { Arr } from './shapes';

export interface OptimizerHyper {
  lr: number;
  momentum: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

export class Optimizer {
  /** flat optimizer state */
  readonly state: Float32Array;
  /** number of updates applied (Adam's bias correction uses it) */
  t = 0;
  constructor(
    readonly name: OptimizerName,
    readonly n: number,
    state?: Float32Array,
  ) {
    const size = name === 'adam' ? 2 * n : n;
    if (state && state.length !== size) throw new Error(`optimizer state has ${state.length} values, expected ${size}`);
    this.state = state ? state : new Float32Array(size);
  }
  get views(): Record<string, Float32Array> {
    const n = this.n;
    if (this.name === 'adam') return { m: this.state.subarray(0, n), v: this.state.subarray(n, 2 * n) };
    return { [this.name === 'sgd' ? 'velocity' : 'meanSquare']: this.state.subarray(0, n) };
  }

  /** One update of p (N) with gradient g (N) at learning rate h.lr; through `k.adam` when the backend has it. */
  step(p: Arr, g: Arr, h: OptimizerHyper, k?: Pick<Kernels, 'adam'>): void {
    const n = this.n,
      s = this.state,
      wd = h.weightDecay;
    this.t++;
    if (this.name === 'adam') {
      const b1 = h.beta1,
        b2 = h.beta2;
      const c1 = 1 - Math.pow(b1, this.t),
        c2 = 1 - Math.pow(b2, this.t);
      const a = h.lr / c1,
        sc2 = 1 / Math.sqrt(c2);
      if (k?.adam?.(n, p, g, s.subarray(0, n), s.subarray(n, 2 * n), b1, b2, a, sc2, h.eps, wd)) return;
      for (let i = 0; i < n; i++) {
        const gi = g[i] + wd * p[i];
        const m = (s[i] = b1 * s[i] + (1 - b1) * gi);
        const v = (s[n + i] = b2 * s[n + i] + (1 - b2) * gi * gi);
        p[i] -= (a * m) / (Math.sqrt(v) * sc2 + h.eps);
      }
    } else if (this.name === 'sgd') {
      const mu = h.momentum;
      for (let i = 0; i < n; i++) {
        const gi = g[i] + wd * p[i];
        const v = (s[i] = mu * s[i] + gi);
        p[i] -= h.lr * v;
      }
    } else {
      const rho = h.momentum;
      for (let i = 0; i < n; i++) {
        const gi = g[i] + wd * p[i];
        const v = (s[i] = rho * s[i] + (1 - rho) * gi * gi);
        p[i] -= (h.lr * gi) / (Math.sqrt(v) + h.eps);
      }
    }
  }
}

/** L2 norm of the whole gradient; if above maxNorm (> 0), scale it down to maxNorm. Returns the norm before clipping. */
export function clipGradNorm(g: Arr, maxNorm: number, k?: Pick<Kernels, 'sumSquares' | 'scale'>): number {
  let ss = k?.sumSquares?.(g.length, g) ?? null;
  if (ss === null) {
    ss = 0;
    for (let i = 0; i < g.length; i++) ss += g[i] * g[i];
  }
  const norm = Math.sqrt(ss);
  if (maxNorm > 0 && norm > maxNorm) {
    const s = maxNorm / (norm + 1e-6);
    if (!k?.scale?.(g.length, g, s)) for (let i = 0; i < g.length; i++) g[i] *= s;
  }
  return norm;
}
