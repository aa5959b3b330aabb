/**
 * The inference worker's work, as plain functions (unit-tested in Node without a worker):
 * - `generateChars`: sampling over any TokenStepper, reporting each character with its probability and the
 *   top-5 candidates of its position (the Generate panel's shading and hover strip);
 * (reading hidden states is hiddenStates.ts).
 */
import { Rng } from '../engine/rng';
import { pickToken, softmaxInto, validateSampleOptions } from '../engine/sampling';
import type { TokenStepper } from '../onnx/decode';
import type { GenChar, GenerateSettings } from '../protocol/webview';

export interface CharCodec {
  decode(ids: ArrayLike<number>): string;
  encode(text: string): ArrayLike<number>;
}

/** top-n (char, probability) of probs (V), most likely first */
export function topN(probs: Float64Array, V: number, n: number, decode: (id: number) => string): [string, number][] {
  const best: number[] = [];
  for (let v = 0; v < V; v++) {
    if (best.length < n) {
      best.push(v);
      best.sort((a, b) => probs[b] - probs[a]);
      continue;
    }
    if (probs[v] > probs[best[n - 1]]) {
      best[n - 1] = v;
      best.sort((a, b) => probs[b] - probs[a]);
    }
  }
  return best.map((id) => [decode(id), probs[id]]);
}

export async function generateChars(
  stepper: TokenStepper,
  codec: CharCodec,
  s: GenerateSettings,
  onChars: (chars: GenChar[]) => void,
  cancelled: () => boolean,
  chunk = 8,
): Promise<{ text: string; stoppedBy: 'length' | 'cancelled' }> {
  const opts = { temperature: s.temperature, topK: s.topK, topP: s.topP, greedy: s.greedy };
  validateSampleOptions(opts);
  const prime = s.prime.length > 0 ? s.prime : '\n';
  const ctx = codec.encode(prime);
  let logits = await stepper.prime(ctx);
  const V = logits.length;
  const rng = new Rng(s.seed);
  const scratch = { probs: new Float64Array(V), order: new Int32Array(V) };
  const probs = new Float64Array(V);
  const dec = (id: number) => codec.decode([id]);
  let text = '';
  let pending: GenChar[] = [];
  for (let i = 0; i < s.length; i++) {
    if (cancelled()) {
      if (pending.length) onChars(pending);
      return { text, stoppedBy: 'cancelled' };
    }
    softmaxInto(probs, logits, 0, V, 1); // the model's own distribution (temperature 1) for shading and candidates
    const id = pickToken(logits, 0, V, opts, rng, scratch);
    const c = dec(id);
    text += c;
    pending.push({ c, p: probs[id], top: topN(probs, V, 5, dec) });
    if (pending.length >= chunk) {
      onChars(pending);
      pending = [];
      await new Promise((r) => setImmediate(r));
    }
    if (i < s.length - 1) logits = await stepper.step(id);
  }
  if (pending.length) onChars(pending);
  return { text, stoppedBy: 'length' };
}
