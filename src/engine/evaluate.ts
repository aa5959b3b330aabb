/**
 * Held-out evaluation of a char model: mean cross-entropy (nats/char, bits/char) and next-character
 * top-1 accuracy over a whole id sequence, in B parallel streams of T steps with carried state.
 */
import type { Model } from './model';

export interface EvalResult { chars: number; loss: number; bpc: number; accuracy: number }

export function evaluateIds(model: Model, ids: ArrayLike<number>, B = 16, T = 128): EvalResult {
  const V = model.config.vocab;
  const n = ids.length - 1;
  if (n < 1) throw new Error('need at least 2 characters to evaluate');
  B = Math.max(1, Math.min(B, Math.floor(n / Math.min(T, n))));
  const S = Math.floor(n / B); // stream length (targets per stream)
  const st = model.newState(B);
  const x = new Int32Array(T * B), y = new Int32Array(T * B);
  let loss = 0, correct = 0, count = 0;
  for (let p = 0; p < S; p += T) {
    const t1 = Math.min(T, S - p);
    for (let b = 0; b < B; b++) for (let t = 0; t < t1; t++) { x[t * B + b] = ids[b * S + p + t]; y[t * B + b] = ids[b * S + p + t + 1]; }
    const logits = model.forward(x.subarray(0, t1 * B), t1, B, st, false, null);
    loss += model.loss(y.subarray(0, t1 * B)) * t1 * B;
    for (let r = 0; r < t1 * B; r++) {
      let best = 0;
      for (let v = 1; v < V; v++) if (logits[r * V + v] > logits[r * V + best]) best = v;
      if (best === y[r]) correct++;
    }
    count += t1 * B;
  }
  const mean = loss / count;
  return { chars: count, loss: mean, bpc: mean / Math.LN2, accuracy: correct / count };
}
