/**
 * Held-out evaluation of a char model: mean cross-entropy (nats/char, bits/char) and next-character top-1 accuracy
 * over a whole id sequence, in B parallel streams of T steps with carried state.
 *
 * Characters outside the model's vocabulary (`unknown[i] = 1`) are fed to the model as its fallback id, but a
 * target that is unknown is never scored: it is counted in `unknown` and is neither a loss term nor a correct
 * prediction (a one-character vocabulary would otherwise "predict" every character of any text).
 */
import type { Model } from './model';

export interface EvalResult {
  /** targets scored (known characters) */
  chars: number;
  /** targets outside the vocabulary, not scored */
  unknown: number;
  loss: number;
  bpc: number;
  accuracy: number;
}

/** One window of the B streams: inputs x and targets y, (T,B), and the targets' unknown flags. */
export interface EvalWindow {
  x: Int32Array;
  y: Int32Array;
  skip: Uint8Array;
  T: number;
  B: number;
  first: boolean;
}

/** The B parallel streams of `ids`, cut into windows of at most T steps; state carries from one window to the next. */
export function* evalWindows(ids: ArrayLike<number>, unknown?: ArrayLike<number>, B = 16, T = 128): Generator<EvalWindow> {
  const n = ids.length - 1;
  if (n < 1) throw new Error('need at least 2 characters to evaluate');
  B = Math.max(1, Math.min(B, Math.floor(n / Math.min(T, n))));
  const S = Math.floor(n / B); // stream length (targets per stream)
  for (let p = 0; p < S; p += T) {
    const t1 = Math.min(T, S - p);
    const x = new Int32Array(t1 * B),
      y = new Int32Array(t1 * B),
      skip = new Uint8Array(t1 * B); // (T,B)
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < t1; t++) {
        const i = b * S + p + t;
        x[t * B + b] = ids[i]!;
        y[t * B + b] = ids[i + 1]!;
        skip[t * B + b] = unknown?.[i + 1] ? 1 : 0;
      }
    }
    yield { x, y, skip, T: t1, B, first: p === 0 };
  }
}

/** Running totals of a scored evaluation. */
export class EvalTally {
  private loss = 0;
  private correct = 0;
  private count = 0;
  private unknown = 0;

  /** add a window's logits (T·B,V) against its targets */
  add(logits: ArrayLike<number>, w: EvalWindow, V: number): void {
    for (let r = 0; r < w.T * w.B; r++) {
      if (w.skip[r]) {
        this.unknown++;
        continue;
      }
      const off = r * V;
      let best = 0,
        max = -Infinity;
      for (let v = 0; v < V; v++)
        if (logits[off + v]! > max) {
          max = logits[off + v]!;
          best = v;
        }
      let s = 0;
      for (let v = 0; v < V; v++) s += Math.exp(logits[off + v]! - max);
      this.loss += max + Math.log(s) - logits[off + w.y[r]!]!;
      if (best === w.y[r]) this.correct++;
      this.count++;
    }
  }

  result(): EvalResult {
    const mean = this.count ? this.loss / this.count : NaN;
    return { chars: this.count, unknown: this.unknown, loss: mean, bpc: mean / Math.LN2, accuracy: this.count ? this.correct / this.count : 0 };
  }
}

/** Evaluate with the TypeScript engine (the benchmarks; the CLI's `eval` runs onnxruntime, onnx/evaluate.ts). */
export function evaluateIds(model: Model, ids: ArrayLike<number>, unknown?: ArrayLike<number>, B = 16, T = 128): EvalResult {
  const tally = new EvalTally();
  let st = model.newState(1);
  for (const w of evalWindows(ids, unknown, B, T)) {
    if (w.first) st = model.newState(w.B);
    tally.add(model.forward(w.x, w.T, w.B, st, false, null), w, model.config.vocab);
  }
  return tally.result();
}
