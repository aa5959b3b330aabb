/**
 * Choosing the next token from logits, and generating text with the TypeScript engine.
 * (Inference in the product goes through onnxruntime-node; this path serves training samples, the
 * `--engine ts` option and the fallback when the native runtime cannot load.)
 */
import type { Model } from './model';
import { Rng } from './rng';
import type { Arr } from './shapes';

export interface SampleOptions {
  /** softmax temperature (> 0); ignored when greedy */
  temperature?: number;
  /** keep only the k most likely tokens (0 = all) */
  topK?: number;
  /** nucleus sampling: keep the smallest set with cumulative probability ≥ topP (1 = all) */
  topP?: number;
  greedy?: boolean;
}

/** The text side of a char model: code-point vocabulary (implemented by data/Vocab). */
export interface Codec {
  encode(text: string): ArrayLike<number>;
  decode(ids: ArrayLike<number>): string;
}

export function validateSampleOptions(o: SampleOptions): void {
  const bad = (m: string) => {
    const e = new Error(m);
    (e as { userFacing?: boolean }).userFacing = true;
    throw e;
  };
  if (o.temperature !== undefined && !(o.temperature > 0)) bad(`temperature must be > 0 (got ${o.temperature})`);
  if (o.topK !== undefined && !(Number.isInteger(o.topK) && o.topK >= 0)) bad(`top-k must be a whole number >= 0 (got ${o.topK})`);
  if (o.topP !== undefined && !(o.topP > 0 && o.topP <= 1)) bad(`top-p must be in (0, 1] (got ${o.topP})`);
}

/**
 * Softmax of logits[off..off+V) at temperature T into probs (V). Returns probs.
 */
export function softmaxInto(probs: Float64Array, logits: ArrayLike<number>, off: number, V: number, temperature = 1): Float64Array {
  let max = -Infinity;
  for (let v = 0; v < V; v++) if (logits[off + v] > max) max = logits[off + v];
  let s = 0;
  for (let v = 0; v < V; v++) {
    const e = Math.exp((logits[off + v] - max) / temperature);
    probs[v] = e;
    s += e;
  }
  for (let v = 0; v < V; v++) probs[v] /= s;
  return probs;
}

/** Pick the next token from logits[off..off+V). Deterministic for a given rng state. */
export function pickToken(
  logits: ArrayLike<number>,
  off: number,
  V: number,
  o: SampleOptions,
  rng: Rng,
  scratch: { probs: Float64Array; order: Int32Array } = { probs: new Float64Array(V), order: new Int32Array(V) },
): number {
  if (o.greedy) {
    let best = 0;
    for (let v = 1; v < V; v++) if (logits[off + v] > logits[off + best]) best = v;
    return best;
  }
  const p = softmaxInto(scratch.probs, logits, off, V, o.temperature ?? 1);
  const k = o.topK && o.topK > 0 ? Math.min(o.topK, V) : V;
  const topP = o.topP ?? 1;
  if (k === V && topP >= 1) {
    let r = rng.next(),
      v = 0;
    for (; v < V - 1; v++) {
      r -= p[v];
      if (r < 0) break;
    }
    return v;
  }
  const order = scratch.order;
  for (let v = 0; v < V; v++) order[v] = v;
  const sorted = Array.from(order.subarray(0, V)).sort((a, b) => p[b] - p[a] || a - b);
  let n = 0,
    cum = 0;
  for (; n < k; n++) {
    cum += p[sorted[n]];
    if (cum >= topP) {
      n++;
      break;
    }
  }
  n = Math.max(1, Math.min(n, k));
  let mass = 0;
  for (let i = 0; i < n; i++) mass += p[sorted[i]];
  let r = rng.next() * mass;
  for (let i = 0; i < n - 1; i++) {
    r -= p[sorted[i]];
    if (r < 0) return sorted[i];
  }
  return sorted[n - 1];
}

export interface GenerateOptions extends SampleOptions {
  prime?: string;
  length: number;
  seed?: number;
  /** stop (and cut) when the output ends with one of these */
  stop?: string[];
  /** called with each new piece of text */
  onText?(piece: string): void;
}

/**
 * Generate `length` characters with the TypeScript engine: prime on `prime` in one forward, then step one
 * character at a time carrying the state. Returns the generated text (without the prime).
 */
export function generate(model: Model, codec: Codec, o: GenerateOptions): string {
  if (model.config.kind !== 'char') throw new Error('text generation needs a character model');
  validateSampleOptions(o);
  const V = model.config.vocab;
  const rng = new Rng(o.seed ?? 1);
  const st = model.newState(1);
  const scratch = { probs: new Float64Array(V), order: new Int32Array(V) };
  const primeIds = Array.from(codec.encode(o.prime ?? ''));
  let logits: Arr;
  let off = 0;
  if (primeIds.length > 0) {
    logits = model.forward(primeIds, primeIds.length, 1, st, false, null);
    off = (primeIds.length - 1) * V;
  } else {
    logits = model.forward([0], 1, 1, st, false, null); // no prime: start from the first vocabulary entry
    off = 0;
  }
  let out = '';
  const one = [0];
  for (let i = 0; i < o.length; i++) {
    const id = pickToken(logits, off, V, o, rng, scratch);
    const piece = codec.decode([id]);
    out += piece;
    o.onText?.(piece);
    const hit = o.stop?.find((s) => s.length > 0 && out.endsWith(s));
    if (hit !== undefined) return out.slice(0, out.length - hit.length);
    one[0] = id;
    logits = model.forward(one, 1, 1, st, false, null);
    off = 0;
  }
  return out;
}
