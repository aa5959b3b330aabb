/**
 * The inference worker's work, as plain functions (unit-tested in Node without a worker):
 * - `generateChars`: sampling over any TokenStepper, reporting each character with its probability and the
 *   top-5 candidates of its position (the Generate panel's shading and hover strip);
 * - `extractHidden`: runs the TS engine over a long text in windows (state carried) and keeps, per layer,
 *   h, c and the gates (i f o for LSTM, z r for GRU) — what ONNX's LSTM op does not output.
 */
import { gateRowWidth } from '../engine/cells';
import type { CellType } from '../engine/config';
import type { Model } from '../engine/model';
import { Rng } from '../engine/rng';
import { pickToken, softmaxInto, validateSampleOptions } from '../engine/sampling';
import type { TokenStepper } from '../onnx/decode';
import { signalsFor } from '../protocol/infer';
import type { GenChar, GenerateSettings, Signal } from '../protocol/webview';

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

export interface HiddenStore {
  T: number;
  H: number;
  layers: number;
  cell: CellType;
  signals: Signal[];
  /** data[layer][signal] = (T,H) */
  data: Record<Signal, Float32Array>[];
}

/** floats kept per step per unit per signal per layer: budget in bytes for all of them */
export function maxStepsFor(H: number, layers: number, cell: CellType, budgetBytes = 512e6): number {
  return Math.floor(budgetBytes / (4 * H * layers * signalsFor(cell).length));
}

/**
 * Run `model` (batch 1) over ids in windows of `window` steps, carrying the state, and copy every signal out.
 * Yields to the event loop between windows (so cancel messages get through).
 */
export async function extractHidden(model: Model, ids: ArrayLike<number>, window = 1000): Promise<HiddenStore> {
  const c = model.config,
    H = c.hidden,
    L = c.layers,
    T = ids.length,
    G = gateRowWidth(c.cell, 1); // gate-row width in units of H (GRU rows are [z,r,n,hn])
  const signals = signalsFor(c.cell);
  const data = Array.from({ length: L }, () => {
    const r = {} as Record<Signal, Float32Array>;
    for (const s of signals) r[s] = new Float32Array(T * H);
    return r;
  });
  // gate offsets within a step's (G·H) gate row: LSTM iofc, GRU zrh
  const gateOff: Partial<Record<Signal, number>> = c.cell === 'lstm' ? { i: 0, o: 1, f: 2 } : c.cell === 'gru' ? { z: 0, r: 1 } : {};
  const state = model.newState(1);
  const buf = new Int32Array(window);
  for (let t0 = 0; t0 < T; t0 += window) {
    const n = Math.min(window, T - t0);
    for (let t = 0; t < n; t++) buf[t] = ids[t0 + t];
    model.forward(buf.subarray(0, n), n, 1, state, false, null);
    for (let l = 0; l < L; l++) {
      const cache = model.layerCache(l),
        d = data[l];
      d.h.set(cache.Y.subarray(0, n * H), t0 * H);
      if (c.cell === 'lstm') d.c.set(cache.aux.subarray(0, n * H), t0 * H);
      for (const s of signals) {
        const g = gateOff[s];
        if (g === undefined) continue;
        const out = d[s];
        for (let t = 0; t < n; t++) out.set(cache.gates.subarray(t * G * H + g * H, t * G * H + (g + 1) * H), (t0 + t) * H);
      }
    }
    await new Promise((r) => setImmediate(r));
  }
  return { T, H, layers: L, cell: c.cell, signals, data };
}
