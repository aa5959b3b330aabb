/**
 * Non-recurrent layers: embedding, dropout, linear head, and the two losses.
 * Each xxxForward sits beside its xxxBackward. One argument order for every layer and kernel of the engine: the
 * kernels (if any), then the sizes (shape letters), then the inputs, then the outputs (in a backward: the gradients
 * it writes); as in gemm, the fused cell kernels and cellForward/cellBackward. Backward
 * accumulates (+=), and zeroing is the caller's.
 */
import type { Kernels } from './kernels';
import type { Rng } from './rng';
import type { Arr } from './shapes';

/** out (N,E) = emb[ids[n]] for n < N.  emb (V,E) */
export function embeddingForward(N: number, E: number, ids: ArrayLike<number>, emb: Arr, out: Arr): void {
  for (let n = 0; n < N; n++) {
    const src = ids[n] * E,
      dst = n * E;
    for (let e = 0; e < E; e++) out[dst + e] = emb[src + e];
  }
}
/** dEmb (V,E) += scatter of dOut (N,E) by ids */
export function embeddingBackward(N: number, E: number, ids: ArrayLike<number>, dOut: Arr, dEmb: Arr): void {
  for (let n = 0; n < N; n++) {
    const dst = ids[n] * E,
      src = n * E;
    for (let e = 0; e < E; e++) dEmb[dst + e] += dOut[src + e];
  }
}

/** Draws an inverted-dropout mask (N): 0 or 1/(1-p). */
export function dropoutMask(mask: Arr, N: number, p: number, rng: Rng): void {
  const keep = 1 / (1 - p);
  for (let n = 0; n < N; n++) mask[n] = rng.next() < p ? 0 : keep;
}
/** out (N) = x ⊙ mask */
export function dropoutForward(N: number, x: Arr, mask: Arr, out: Arr): void {
  for (let n = 0; n < N; n++) out[n] = x[n] * mask[n];
}
/** dX (N) += dOut ⊙ mask */
export function dropoutBackward(N: number, dOut: Arr, mask: Arr, dX: Arr): void {
  for (let n = 0; n < N; n++) dX[n] += dOut[n] * mask[n];
}

/** out (N,O) = x (N,H) · W (H,O) + b (O) */
export function linearForward(k: Kernels, N: number, H: number, O: number, x: Arr, W: Arr, b: Arr, out: Arr): void {
  k.gemm(false, false, N, O, H, x, 0, H, W, 0, O, 0, out, 0, O);
  for (let n = 0; n < N; n++) {
    const r = n * O;
    for (let o = 0; o < O; o++) out[r + o] += b[o];
  }
}
/** dX (N,H) += dOut·Wᵀ (if dX), dW (H,O) += xᵀ·dOut, db (O) += Σ dOut */
export function linearBackward(k: Kernels, N: number, H: number, O: number, x: Arr, W: Arr, dOut: Arr, dX: Arr | null, dW: Arr, db: Arr): void {
  k.gemm(true, false, H, O, N, x, 0, H, dOut, 0, O, 1, dW, 0, O);
  for (let n = 0; n < N; n++) {
    const r = n * O;
    for (let o = 0; o < O; o++) db[o] += dOut[r + o];
  }
  if (dX) k.gemm(false, true, N, H, O, dOut, 0, O, W, 0, O, 1, dX, 0, H);
}

/**
 * Mean softmax cross-entropy over N rows of logits (N,V) against targets (N). Writes probabilities into
 * `probs` (N,V) and returns the mean loss in nats. Computed in float64 per row (max-shifted).
 */
export function crossEntropyForward(N: number, V: number, logits: Arr, targets: ArrayLike<number>, probs: Arr): number {
  let total = 0;
  for (let n = 0; n < N; n++) {
    const r = n * V;
    let max = -Infinity;
    for (let v = 0; v < V; v++) if (logits[r + v] > max) max = logits[r + v];
    let sum = 0;
    for (let v = 0; v < V; v++) {
      const e = Math.exp(logits[r + v] - max);
      probs[r + v] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let v = 0; v < V; v++) probs[r + v] *= inv;
    total += -(logits[r + targets[n]] - max - Math.log(sum));
  }
  return total / N;
}
/** dLogits (N,V) += (probs − onehot(targets)) / N   (gradient of the mean loss) */
export function crossEntropyBackward(N: number, V: number, probs: Arr, targets: ArrayLike<number>, dLogits: Arr): void {
  const inv = 1 / N;
  for (let n = 0; n < N; n++) {
    const r = n * V;
    for (let v = 0; v < V; v++) dLogits[r + v] += probs[r + v] * inv;
    dLogits[r + targets[n]] -= inv;
  }
}

/**
 * Mean squared error. pred/target are (T,B,O); with `lastOnly` only step T-1 counts (forecasting windows).
 * Returns the mean over the counted values.
 */
export function mseForward(T: number, B: number, O: number, lastOnly: boolean, pred: Arr, target: ArrayLike<number>): number {
  const start = lastOnly ? (T - 1) * B * O : 0,
    end = T * B * O;
  let s = 0;
  for (let n = start; n < end; n++) {
    const d = pred[n] - target[n];
    s += d * d;
  }
  return s / (end - start);
}
/** dPred (T,B,O) += 2 (pred − target) / count */
export function mseBackward(T: number, B: number, O: number, lastOnly: boolean, pred: Arr, target: ArrayLike<number>, dPred: Arr): void {
  const start = lastOnly ? (T - 1) * B * O : 0,
    end = T * B * O;
  const scale = 2 / (end - start);
  for (let n = start; n < end; n++) dPred[n] += scale * (pred[n] - target[n]);
}
