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
  /** post-activation gates: LSTM (T,B,4H) [i,o,f,c̃]; GRU (T,B,3H) [z,r,n]; RNN (T,B,H) = h */
  gates: Arr;
  /** LSTM: cell states (T,B,H). GRU: h·Rhᵀ + Rbh (T,B,H). RNN: unused (length 0) */
  aux: Arr;
  /** LSTM: tanh(c) (T,B,H). Others: unused */
  aux2: Arr;
  /** layer output Y (T,B,H) */
  Y: Arr;
  /** initial state copied in at forward: h0 (B,H), c0 (B,H) */
  h0: Arr;
  c0: Arr;
  /** backward scratch: dG (T,B,GH); GRU also the recurrent-part gradient dGR (T,B,3H) */
  dG: Arr;
  dGR: Arr;
  /** backward scratch: dh, dc carried back through time (B,H) */
  dh: Arr;
  dc: Arr;
}

export function createLayerCache(k: { alloc(n: number): Arr }, cell: CellType, Tmax: number, Bmax: number, H: number): LayerCache {
  const G = GATES[cell];
  const TB = Tmax * Bmax;
  return {
    cell, H,
    gates: k.alloc(TB * G * H),
    aux: k.alloc(cell === 'rnn' ? 0 : TB * H),
    aux2: k.alloc(cell === 'lstm' ? TB * H : 0),
    Y: k.alloc(TB * H),
    h0: k.alloc(Bmax * H),
    c0: k.alloc(Bmax * H),
    dG: k.alloc(TB * G * H),
    dGR: k.alloc(cell === 'gru' ? TB * G * H : 0),
    dh: k.alloc(Bmax * H),
    dc: k.alloc(Bmax * H),
  };
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * Forward one layer over T steps.
 * X (T,B,I), W (GH,I), R (GH,H), Bias (2GH) = [Wb, Rb], h0/c0 (B,H) → cache.Y (T,B,H); hT/cT (B,H) written.
 */
export function cellForward(k: Kernels, cache: LayerCache, T: number, B: number, I: number,
  X: Arr, W: Arr, R: Arr, Bias: Arr, h0: Arr, c0: Arr | null, hT: Arr, cT: Arr | null): void {
  const H = cache.H, cell = cache.cell, G = GATES[cell], GH = G * H;
  const { gates, Y } = cache;
  const BH = B * H;
  for (let j = 0; j < BH; j++) { cache.h0[j] = h0[j]; cache.c0[j] = c0 ? c0[j] : 0; }
  // gates (T*B, GH) = X (T*B, I) · Wᵀ ; then + Wb (+ Rb except GRU's h gate, which adds Rbh inside r⊙(…))
  k.gemm(false, true, T * B, GH, I, X, 0, I, W, 0, I, 0, gates, 0, GH);
  for (let row = 0; row < T * B; row++) {
    const o = row * GH;
    for (let g = 0; g < GH; g++) gates[o + g] += Bias[g] + (cell === 'gru' && g >= 2 * H ? 0 : Bias[GH + g]);
  }
  if (cell === 'lstm') {
    const C = cache.aux, TC = cache.aux2;
    for (let t = 0; t < T; t++) {
      const gOff = t * B * GH, sOff = t * BH;
      const hp = t === 0 ? cache.h0 : Y, hpOff = t === 0 ? 0 : sOff - BH;
      const cp = t === 0 ? cache.c0 : C, cpOff = t === 0 ? 0 : sOff - BH;
      // gates[t] (B,4H) += h_{t-1} (B,H) · Rᵀ
      k.gemm(false, true, B, GH, H, hp, hpOff, H, R, 0, H, 1, gates, gOff, GH);
      for (let b = 0; b < B; b++) {
        const g = gOff + b * GH, s = sOff + b * H, p = cpOff + b * H;
        for (let j = 0; j < H; j++) {
          const i = sigmoid(gates[g + j]);
          const og = sigmoid(gates[g + H + j]);
          const f = sigmoid(gates[g + 2 * H + j]);
          const ct = Math.tanh(gates[g + 3 * H + j]);
          gates[g + j] = i; gates[g + H + j] = og; gates[g + 2 * H + j] = f; gates[g + 3 * H + j] = ct;
          const c = f * cp[p + j] + i * ct;
          C[s + j] = c;
          const tc = Math.tanh(c);
          TC[s + j] = tc;
          Y[s + j] = og * tc;
        }
      }
    }
    const last = (T - 1) * BH;
    for (let j = 0; j < BH; j++) { hT[j] = Y[last + j]; cT![j] = C[last + j]; }
    return;
  }
  if (cell === 'gru') {
    const HN = cache.aux;
    const hr = cache.dG; // scratch (B,3H) for h·Rᵀ; dG is only used in backward
    for (let t = 0; t < T; t++) {
      const gOff = t * B * GH, sOff = t * BH;
      const hp = t === 0 ? cache.h0 : Y, hpOff = t === 0 ? 0 : sOff - BH;
      // hr (B,3H) = h_{t-1} (B,H) · Rᵀ
      k.gemm(false, true, B, GH, H, hp, hpOff, H, R, 0, H, 0, hr, 0, GH);
      for (let b = 0; b < B; b++) {
        const g = gOff + b * GH, s = sOff + b * H, q = b * GH, p = hpOff + b * H;
        for (let j = 0; j < H; j++) {
          const z = sigmoid(gates[g + j] + hr[q + j]);
          const r = sigmoid(gates[g + H + j] + hr[q + H + j]);
          const hn = hr[q + 2 * H + j] + Bias[GH + 2 * H + j];
          const n = Math.tanh(gates[g + 2 * H + j] + r * hn);
          gates[g + j] = z; gates[g + H + j] = r; gates[g + 2 * H + j] = n;
          HN[s + j] = hn;
          Y[s + j] = (1 - z) * n + z * hp[p + j];
        }
      }
    }
  } else {
    for (let t = 0; t < T; t++) {
      const gOff = t * BH;
      const hp = t === 0 ? cache.h0 : Y, hpOff = t === 0 ? 0 : gOff - BH;
      k.gemm(false, true, B, H, H, hp, hpOff, H, R, 0, H, 1, gates, gOff, H);
      for (let j = 0; j < BH; j++) { const h = Math.tanh(gates[gOff + j]); gates[gOff + j] = h; Y[gOff + j] = h; }
    }
  }
  const last = (T - 1) * BH;
  for (let j = 0; j < BH; j++) hT[j] = Y[last + j];
}

/**
 * Backward one layer over T steps, given dY (T,B,H) (gradient of the loss w.r.t. this layer's output).
 * Accumulates dX (T,B,I) (if given), dW (GH,I), dR (GH,H), dBias (2GH). The final state gets no gradient
 * (truncated BPTT: the carried state is detached).
 */
export function cellBackward(k: Kernels, cache: LayerCache, T: number, B: number, I: number,
  X: Arr, W: Arr, R: Arr, dY: Arr, dX: Arr | null, dW: Arr, dR: Arr, dBias: Arr): void {
  const H = cache.H, cell = cache.cell, G = GATES[cell], GH = G * H, BH = B * H;
  const { gates, Y, dG, dh, dc } = cache;
  dh.fill(0, 0, BH); dc.fill(0, 0, BH);
  // dGR: gradient w.r.t. the recurrent pre-activations (h·Rᵀ + Rb); equals dG except for GRU.
  const dGR = cell === 'gru' ? cache.dGR : dG;
  for (let t = T - 1; t >= 0; t--) {
    const gOff = t * B * GH, sOff = t * BH;
    const hp = t === 0 ? cache.h0 : Y, hpOff = t === 0 ? 0 : sOff - BH;
    if (cell === 'lstm') {
      const C = cache.aux, TC = cache.aux2;
      const cp = t === 0 ? cache.c0 : C, cpOff = t === 0 ? 0 : sOff - BH;
      for (let b = 0; b < B; b++) {
        const g = gOff + b * GH, s = sOff + b * H, p = cpOff + b * H, d = b * H;
        for (let j = 0; j < H; j++) {
          const i = gates[g + j], o = gates[g + H + j], f = gates[g + 2 * H + j], ct = gates[g + 3 * H + j];
          const tc = TC[s + j];
          const dht = dY[s + j] + dh[d + j];
          const dct = dc[d + j] + dht * o * (1 - tc * tc);
          dG[g + j] = dct * ct * i * (1 - i);
          dG[g + H + j] = dht * tc * o * (1 - o);
          dG[g + 2 * H + j] = dct * cp[p + j] * f * (1 - f);
          dG[g + 3 * H + j] = dct * i * (1 - ct * ct);
          dc[d + j] = dct * f;
        }
      }
      // dh (B,H) = dG[t] (B,4H) · R (4H,H)
      k.gemm(false, false, B, H, GH, dG, gOff, GH, R, 0, H, 0, dh, 0, H);
    } else if (cell === 'gru') {
      const HN = cache.aux;
      for (let b = 0; b < B; b++) {
        const g = gOff + b * GH, s = sOff + b * H, p = hpOff + b * H, d = b * H;
        for (let j = 0; j < H; j++) {
          const z = gates[g + j], r = gates[g + H + j], n = gates[g + 2 * H + j];
          const dht = dY[s + j] + dh[d + j];
          const dan = dht * (1 - z) * (1 - n * n);
          const daz = dht * (hp[p + j] - n) * z * (1 - z);
          const dar = dan * HN[s + j] * r * (1 - r);
          dG[g + j] = daz; dG[g + H + j] = dar; dG[g + 2 * H + j] = dan;
          dGR[g + j] = daz; dGR[g + H + j] = dar; dGR[g + 2 * H + j] = dan * r;
          dh[d + j] = dht * z; // direct path; the recurrent product is added below
        }
      }
      k.gemm(false, false, B, H, GH, dGR, gOff, GH, R, 0, H, 1, dh, 0, H);
    } else {
      for (let j = 0; j < BH; j++) { const h = gates[gOff + j]; dG[gOff + j] = (dY[sOff + j] + dh[j]) * (1 - h * h); }
      k.gemm(false, false, B, H, GH, dG, gOff, GH, R, 0, H, 0, dh, 0, H);
    }
  }
  // dW (GH,I) += dGᵀ (GH, T*B) · X (T*B, I)
  k.gemm(true, false, GH, I, T * B, dG, 0, GH, X, 0, I, 1, dW, 0, I);
  // dR (GH,H) += dGR[0]ᵀ·h0 + dGR[1..]ᵀ·Y[0..T-2]
  k.gemm(true, false, GH, H, B, dGR, 0, GH, cache.h0, 0, H, 1, dR, 0, H);
  if (T > 1) k.gemm(true, false, GH, H, (T - 1) * B, dGR, B * GH, GH, Y, 0, H, 1, dR, 0, H);
  // dBias = [Σ dG, Σ dGR] over rows
  for (let row = 0; row < T * B; row++) {
    const o = row * GH;
    for (let g = 0; g < GH; g++) { dBias[g] += dG[o + g]; dBias[GH + g] += dGR[o + g]; }
  }
  // dX (T*B, I) += dG (T*B, GH) · W (GH, I)
  if (dX) k.gemm(false, false, T * B, I, GH, dG, 0, GH, W, 0, I, 1, dX, 0, I);
}
