/**
 * Recurrent cells over a whole sequence, one layer at a time, in ONNX semantics (layout=0, one direction).
 *
 *   LSTM (gates iofc):   i,o,f = σ(x·Wᵀ + h·Rᵀ + Wb + Rb)[i,o,f]   c̃ = tanh(…)[c]
 *                        c' = f⊙c + i⊙c̃        h' = o⊙tanh(c')
 *   GRU  (gates zrh, linear_before_reset=1):
 *                        z,r = σ(x·Wᵀ + h·Rᵀ + Wb + Rb)[z,r]
 *                        n = tanh(x·Whᵀ + Wbh + r⊙(h·Rhᵀ + Rbh))     h' = (1−z)⊙n + z⊙h
 *   RNN  (tanh):         h' = tanh(x·Wᵀ + h·Rᵀ + Wb + Rb)
 *
 * The input projection for all T steps is one GEMM; only h·Rᵀ runs per step. In backward, the weight
 * gradients dW = dGᵀ·X and dR = dGᵀ·Hprev are one GEMM each over all T·B rows, as cuDNN does.
 * Backward accumulates into dX, dW, dR, dB (+=); the caller zeroes them.
 */
import type { CellType } from './config';
import { GATES } from './config';
import type { Kernels } from './kernels';
import type { Arr } from './shapes';

/** Activations a layer keeps from forward for backward; allocated once for (Tmax, Bmax). */
export interface LayerCache {
  cell: CellType;
  H: number;
  /**
   * gates, one row (B, ·) per step:
   *   LSTM (T,B,4H) post-activation [i, o, f, c̃]
   *   GRU  (T,B,4H) [z, r, n, hn] with hn = h·Rhᵀ + Rbh
   *   RNN  (T,B,H)  x·Wᵀ (the step's h·Rᵀ and the bias are added inside the kernel); h itself is Y
   */
  gates: Arr;
  /** LSTM: cell states c (T,B,H). Others: unused (length 0) */
  aux: Arr;
  /** layer output Y (T,B,H) */
  Y: Arr;
  /** initial state copied in at forward: h0 (B,H), c0 (B,H) */
  h0: Arr;
  c0: Arr;
  /** forward scratch: h·Rᵀ (B,GH) of one step */
  gh: Arr;
  /** backward: dG (T,B,GH) gradients of the gate pre-activations (x side); GRU also dGR (T,B,3H) (recurrent side) */
  dG: Arr;
  dGR: Arr;
  /** backward scratch: dh, dc carried back through time (B,H) */
  dh: Arr;
  dc: Arr;
  /** ones (T*B): Σ over rows as a product, for the bias gradients */
  ones: Arr;
}

/**
 * Units of one layer held at fixed values after every step (ablation, the hidden-state panel's causal check):
 * h[u] = values[k] for u = units[k], in the layer's output and in the state carried to the next step. Forward
 * only: a clamped run is never differentiated.
 */
export interface UnitClamp {
  units: Int32Array; // (n)
  values: Float32Array; // (n)
}

/** apply `clamp` to the B rows of h starting at Y[off] (each row H wide) */
function clampStep(clamp: UnitClamp, B: number, H: number, Y: Arr, off: number): void {
  for (let b = 0; b < B; b++) for (let k = 0; k < clamp.units.length; k++) Y[off + b * H + clamp.units[k]!] = clamp.values[k]!;
}

export function createLayerCache(k: { alloc(n: number): Arr }, cell: CellType, Tmax: number, Bmax: number, H: number): LayerCache {
  const G = GATES[cell];
  const TB = Tmax * Bmax;
  return {
    cell,
    H,
    gates: k.alloc(TB * (cell === 'gru' ? 4 : G) * H),
    aux: k.alloc(cell === 'lstm' ? TB * H : 0),
    Y: k.alloc(TB * H),
    h0: k.alloc(Bmax * H),
    c0: k.alloc(Bmax * H),
    gh: k.alloc(Bmax * G * H),
    dG: k.alloc(TB * G * H),
    dGR: k.alloc(cell === 'gru' ? TB * G * H : 0),
    dh: k.alloc(Bmax * H),
    dc: k.alloc(Bmax * H),
    ones: k.alloc(TB).fill(1),
  };
}

/**
 * Forward one layer over T steps.
 * X (T,B,I), W (GH,I), R (GH,H), Bias (2GH) = [Wb, Rb], h0/c0 (B,H) → cache.Y (T,B,H); hT/cT (B,H) written.
 */
export function cellForward(
  k: Kernels,
  cache: LayerCache,
  T: number,
  B: number,
  I: number,
  X: Arr,
  W: Arr,
  R: Arr,
  Bias: Arr,
  h0: Arr,
  c0: Arr | null,
  hT: Arr,
  cT: Arr | null,
  clamp: UnitClamp | null = null,
): void {
  const H = cache.H,
    cell = cache.cell,
    G = GATES[cell],
    GH = G * H,
    BH = B * H;
  const { gates, Y } = cache;
  for (let j = 0; j < BH; j++) {
    cache.h0[j] = h0[j];
    cache.c0[j] = c0 ? c0[j] : 0;
  }
  if (cell === 'gru') {
    // gx (T*B, 3H) = X · Wᵀ, written into the first 3H of every (B,4H) act row's slot: use dG as the gx buffer
    const gx = cache.dG;
    k.gemm(false, true, T * B, GH, I, X, 0, I, W, 0, I, 0, gx, 0, GH);
    for (let t = 0; t < T; t++) {
      const hp = t === 0 ? cache.h0 : Y,
        hpOff = t === 0 ? 0 : (t - 1) * BH;
      // gh (B,3H) = h_{t-1} · Rᵀ
      k.gemm(false, true, B, GH, H, hp, hpOff, H, R, 0, H, 0, cache.gh, 0, GH);
      k.gruForward(B, H, gx, t * B * GH, cache.gh, 0, Bias, 0, hp, hpOff, gates, t * B * 4 * H, Y, t * BH);
      if (clamp) clampStep(clamp, B, H, Y, t * BH);
    }
  } else {
    // gates (T*B, GH) = X · Wᵀ; per step gh (B,GH) = h_{t-1} · Rᵀ into a small buffer that stays in cache (the
    // step's slice of gates, written long before, is not), then the fused kernel sums, adds the bias, activates
    k.gemm(false, true, T * B, GH, I, X, 0, I, W, 0, I, 0, gates, 0, GH);
    for (let t = 0; t < T; t++) {
      const gOff = t * B * GH,
        sOff = t * BH;
      const hp = t === 0 ? cache.h0 : Y,
        hpOff = t === 0 ? 0 : sOff - BH;
      k.gemm(false, true, B, GH, H, hp, hpOff, H, R, 0, H, 0, cache.gh, 0, GH);
      if (cell === 'lstm') {
        const cp = t === 0 ? cache.c0 : cache.aux,
          cpOff = t === 0 ? 0 : sOff - BH;
        k.lstmForward(B, H, gates, gOff, cache.gh, 0, Bias, 0, cp, cpOff, gates, gOff, cache.aux, sOff, Y, sOff);
      } else {
        k.rnnForward(B, H, gates, gOff, cache.gh, 0, Bias, 0, Y, sOff);
      }
      if (clamp) clampStep(clamp, B, H, Y, sOff);
    }
  }
  const last = (T - 1) * BH;
  for (let j = 0; j < BH; j++) hT[j] = Y[last + j];
  if (cell === 'lstm') for (let j = 0; j < BH; j++) cT![j] = cache.aux[last + j];
}

/**
 * Backward one layer over T steps, given dY (T,B,H) (gradient of the loss w.r.t. this layer's output).
 * Accumulates dX (T,B,I) (if given), dW (GH,I), dR (GH,H), dBias (2GH). The final state gets no gradient
 * (truncated BPTT: the carried state is detached).
 */
export function cellBackward(
  k: Kernels,
  cache: LayerCache,
  T: number,
  B: number,
  I: number,
  X: Arr,
  W: Arr,
  R: Arr,
  dY: Arr,
  dX: Arr | null,
  dW: Arr,
  dR: Arr,
  dBias: Arr,
): void {
  const H = cache.H,
    cell = cache.cell,
    G = GATES[cell],
    GH = G * H,
    BH = B * H;
  const { gates, Y, dG, dh, dc } = cache;
  // dGR: gradient w.r.t. the recurrent pre-activations (h·Rᵀ + Rb); equals dG except for GRU.
  const dGR = cell === 'gru' ? cache.dGR : dG;
  // dh (B,H) holds dL/dh_t in total: dY[t] plus what flows back from step t+1
  for (let j = 0; j < BH; j++) {
    dh[j] = dY[(T - 1) * BH + j];
    dc[j] = 0;
  }
  for (let t = T - 1; t >= 0; t--) {
    const gOff = t * B * GH,
      sOff = t * BH;
    const hp = t === 0 ? cache.h0 : Y,
      hpOff = t === 0 ? 0 : sOff - BH;
    if (cell === 'lstm') {
      const cp = t === 0 ? cache.c0 : cache.aux,
        cpOff = t === 0 ? 0 : sOff - BH;
      k.lstmBackward(B, H, gates, gOff, cp, cpOff, cache.aux, sOff, dh, 0, dc, 0, dG, gOff);
    } else if (cell === 'gru') {
      // dh ← dh·z (direct path), then += dGR[t]·R below
      k.gruBackward(B, H, gates, t * B * 4 * H, hp, hpOff, dh, 0, dh, 0, dG, gOff, dGR, gOff);
    } else {
      k.rnnBackward(B, H, Y, sOff, dh, 0, dG, gOff);
    }
    if (t === 0) break;
    // dh_{t-1} = dY[t-1] + dGR[t] (B,GH) · R (GH,H)   (GRU: + the direct path already in dh)
    if (cell === 'gru') for (let j = 0; j < BH; j++) dh[j] += dY[sOff - BH + j];
    else for (let j = 0; j < BH; j++) dh[j] = dY[sOff - BH + j];
    k.gemm(false, false, B, H, GH, dGR, gOff, GH, R, 0, H, 1, dh, 0, H);
  }
  // dW (GH,I) += dGᵀ (GH, T*B) · X (T*B, I)
  k.gemm(true, false, GH, I, T * B, dG, 0, GH, X, 0, I, 1, dW, 0, I);
  // dR (GH,H) += dGR[0]ᵀ·h0 + dGR[1..]ᵀ·Y[0..T-2]
  k.gemm(true, false, GH, H, B, dGR, 0, GH, cache.h0, 0, H, 1, dR, 0, H);
  if (T > 1) k.gemm(true, false, GH, H, (T - 1) * B, dGR, B * GH, GH, Y, 0, H, 1, dR, 0, H);
  // dBias (2GH) += [Σ dG, Σ dGR] over the T*B rows, as ones (1,T*B) · dG (T*B,GH)
  k.gemm(false, false, 1, GH, T * B, cache.ones, 0, T * B, dG, 0, GH, 1, dBias, 0, GH);
  k.gemm(false, false, 1, GH, T * B, cache.ones, 0, T * B, dGR, 0, GH, 1, dBias, GH, GH);
  // dX (T*B, I) += dG (T*B, GH) · W (GH, I)
  if (dX) k.gemm(false, false, T * B, I, GH, dG, 0, GH, W, 0, I, 1, dX, 0, I);
}

/** Width of one (b) row of `LayerCache.gates`: LSTM 4H, GRU 4H ([z,r,n,hn]), RNN H. */
export function gateRowWidth(cell: CellType, H: number): number {
  return (cell === 'rnn' ? 1 : 4) * H;
}
