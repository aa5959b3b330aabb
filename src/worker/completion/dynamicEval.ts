/**
 * Dynamic evaluation (Krause et al. 2018), measured: while a document is read, the model keeps learning it. The
 * text is cut into segments of `seg` characters; each segment is first scored with the current weights, then
 * one SGD step on that segment moves the weights (global-norm clipped; a decay pulls them back towards the trained
 * ones, as Krause's update does). The state carries across segments (truncated BPTT). The static score reads the
 * same segments with the same state, without the steps. Each document starts from the trained weights again.
 * This is what autocomplete would gain from adapting to the file being edited, and what it would cost per character.
 */
import { clipGradNorm } from '../../engine/optim';
import type { Model } from '../../engine/model';

export interface DynamicEvalOptions {
  /** characters per segment (one step each) */
  seg?: number;
  lr: number;
  /** pull towards the trained weights per step (0: none) */
  decay?: number;
  clip?: number;
}

export interface DynamicEvalResult {
  chars: number;
  staticBits: number;
  dynamicBits: number;
  /** milliseconds per character of the adapting pass (score + step) and of the static one */
  msPerCharDynamic: number;
  msPerCharStatic: number;
}

const LN2 = Math.log(2);

/** score `ids` (bits per predicted character) with or without the per-segment SGD steps; the weights are restored */
function pass(model: Model, ids: ArrayLike<number>, adapt: boolean, o: DynamicEvalOptions, keep?: () => void): { bits: number; chars: number; ms: number } {
  const seg = o.seg ?? 64,
    clip = o.clip ?? 1,
    decay = o.decay ?? 0;
  const p = model.params.data,
    g = model.grads.data;
  const trained = Float32Array.from(p);
  const state = model.newState(1);
  let nats = 0,
    chars = 0;
  const t0 = performance.now();
  try {
    for (let s = 0; s + 1 < ids.length; s += seg) {
      const n = Math.min(seg, ids.length - 1 - s);
      const x = Int32Array.from({ length: n }, (_, i) => ids[s + i]!);
      const y = Int32Array.from({ length: n }, (_, i) => ids[s + i + 1]!);
      model.forward(x, n, 1, state, false, null);
      nats += model.loss(y) * n;
      chars += n;
      if (!adapt) continue;
      // the step: backward through this segment (the forward's activations are still cached)
      model.zeroGrads();
      model.backward(y);
      clipGradNorm(g, clip, model.k);
      for (let i = 0; i < p.length; i++) p[i] = p[i]! - o.lr * g[i]! + decay * (trained[i]! - p[i]!);
    }
    keep?.(); // the adapted weights, before they are put back
  } finally {
    p.set(trained);
  }
  return { bits: nats / chars / LN2, chars, ms: performance.now() - t0 };
}

/** static and dynamic bits/char over documents (each from the trained weights), with the cost of each */
export function dynamicEval(model: Model, docs: ArrayLike<number>[], o: DynamicEvalOptions): DynamicEvalResult {
  let sb = 0,
    db = 0,
    chars = 0,
    sms = 0,
    dms = 0;
  for (const d of docs) {
    if (d.length < 2) continue;
    const st = pass(model, d, false, o),
      dy = pass(model, d, true, o);
    sb += st.bits * st.chars;
    db += dy.bits * dy.chars;
    chars += st.chars;
    sms += st.ms;
    dms += dy.ms;
  }
  return { chars, staticBits: sb / chars, dynamicBits: db / chars, msPerCharDynamic: dms / chars, msPerCharStatic: sms / chars };
}

/** the recommended step (bench:dynamic: −10 % bits/char on held-out TypeScript files at lr 0.3, 3× the reading cost) */
export const ADAPT_DEFAULTS: DynamicEvalOptions = { lr: 0.3, seg: 64, clip: 1 };

/**
 * The weights after reading `ids` while adapting (the same steps as the dynamic pass), as a copy; the model keeps
 * its trained weights. At most the last `maxChars` characters are read.
 */
export function adaptedWeights(model: Model, ids: ArrayLike<number>, o: DynamicEvalOptions = ADAPT_DEFAULTS, maxChars = 20_000): Float32Array {
  const from = Math.max(0, ids.length - maxChars);
  const tail = Array.from({ length: ids.length - from }, (_, i) => ids[from + i]!);
  const p = model.params.data;
  let out = new Float32Array(0);
  pass(model, tail, true, o, () => (out = Float32Array.from(p)));
  return out;
}
