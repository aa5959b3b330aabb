/**
 * Saliency of one prediction (ecco-style): how much each earlier character of the context contributed to the
 * character the model predicts after position `pos`, through the TS engine's backward pass.
 *
 * - gradient × input: a_t = Σ_e x[t,e] · ∂log p(target)/∂x[t,e], x the embedded character (Simonyan et al. 2013,
 *   Shrikumar et al. 2016).
 * - integrated gradients (Sundararajan et al. 2017) from the all-zero embedding: a_t = Σ_e x[t,e] · mean over α of
 *   ∂log p/∂x[t,e] at α·x. Scaling every embedding by α is scaling the embedding table, so each of the `steps`
 *   points is one forward and backward of the unchanged engine (midpoint rule). By completeness, Σ_t a_t ≈
 *   log p(target | x) − log p(target | 0).
 * The context is the `window` characters up to `pos`, read from the zero state (the gradient is truncated there).
 */
import type { Model } from '../../engine/model';

export type SaliencyMethod = 'gradient' | 'integrated';

export interface Saliency {
  /** the first position of the context; scores[i] belongs to position start + i */
  start: number;
  /** (pos − start + 1) attributions to log p(target), in nats */
  scores: Float32Array;
  /** the id of the predicted character (argmax after pos, unless one was given) and its probability */
  target: number;
  prob: number;
  method: SaliencyMethod;
}

/** The attributions of ids[start..pos] to the prediction after pos. Needs the engine model (a char model). */
export function saliency(
  model: Model,
  ids: ArrayLike<number>,
  pos: number,
  opts: { method?: SaliencyMethod; window?: number; steps?: number; target?: number } = {},
): Saliency {
  const c = model.config;
  if (c.kind !== 'char') throw new Error('saliency needs a character model');
  if (!(pos >= 0 && pos < ids.length)) throw new Error(`position ${pos} is outside the text (0..${ids.length - 1})`);
  const method = opts.method ?? 'gradient';
  const start = Math.max(0, pos - (opts.window ?? 200) + 1);
  const T = pos - start + 1,
    E = c.emb;
  const ctx = Int32Array.from({ length: T }, (_, i) => ids[start + i]!);
  // the prediction: one forward at full scale
  const first = predict(model, ctx);
  const target = opts.target ?? first.argmax;
  const emb = model.params.view('emb'); // (V,E)
  const x = new Float64Array(T * E); // (T,E) the embedded context
  for (let t = 0; t < T; t++) for (let e = 0; e < E; e++) x[t * E + e] = emb[ctx[t]! * E + e]!;
  const gsum = new Float64Array(T * E); // (T,E) Σ over α of ∂log p/∂x
  const alphas = method === 'gradient' ? [1] : Array.from({ length: opts.steps ?? 32 }, (_, i) => (i + 0.5) / (opts.steps ?? 32));
  const saved = emb.slice(); // the same element type as the model (float64 in the gradient checks)
  try {
    for (const a of alphas) {
      for (let i = 0; i < emb.length; i++) emb[i] = saved[i]! * a;
      const dX = gradLogProb(model, ctx, target); // (T,E)
      for (let i = 0; i < T * E; i++) gsum[i] += dX[i]!;
    }
  } finally {
    emb.set(saved);
  }
  const scores = new Float32Array(T);
  for (let t = 0; t < T; t++) {
    let s = 0;
    for (let e = 0; e < E; e++) s += x[t * E + e]! * gsum[t * E + e]!;
    scores[t] = s / alphas.length;
  }
  return { start, scores, target, prob: first.probs[target]!, method };
}

/** the model's next-character distribution after ctx (from the zero state) */
function predict(model: Model, ctx: Int32Array): { probs: Float64Array; argmax: number } {
  const T = ctx.length,
    V = model.config.outputs;
  const logits = model.forward(ctx, T, 1, model.newState(1), false, null);
  const probs = new Float64Array(V);
  let max = -Infinity,
    argmax = 0;
  for (let v = 0; v < V; v++) if (logits[(T - 1) * V + v]! > max) [max, argmax] = [logits[(T - 1) * V + v]!, v];
  let z = 0;
  for (let v = 0; v < V; v++) z += probs[v] = Math.exp(logits[(T - 1) * V + v]! - max);
  for (let v = 0; v < V; v++) probs[v] /= z;
  return { probs, argmax };
}

/** ∂ log p(target after the last step) / ∂x (T,E): the engine's input gradient of −log p, negated */
function gradLogProb(model: Model, ctx: Int32Array, target: number): Float64Array {
  const T = ctx.length;
  model.forward(ctx, T, 1, model.newState(1), false, null);
  const targets = new Int32Array(T);
  targets[T - 1] = target;
  model.loss(targets);
  model.zeroGrads();
  model.backward(targets, true);
  const d = model.inputGrad();
  const out = new Float64Array(d.length);
  for (let i = 0; i < d.length; i++) out[i] = -d[i]!;
  return out;
}
