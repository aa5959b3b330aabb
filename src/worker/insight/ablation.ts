/**
 * Ablation, the causal check of the cell finder: silence units of one layer (hold their h at zero, or at their mean
 * over the read text, after every step: engine/cells.ts UnitClamp) and measure what changes:
 * - the loss of every character of the read text, with and without (the panel sums the difference per feature);
 * - generated text from the same prompt and seed, with and without.
 * Both runs use the TS engine, so the only difference between them is the clamp.
 */
import type { Model } from '../../engine/model';
import type { AblationView, GenerateSettings } from '../../protocol/webview';
import { EngineStepper } from '../../onnx/fallback';
import { generateChars, type CharCodec } from '../inferCore';

export type AblationMode = 'zero' | 'mean';

const LN2 = Math.log(2);
const WINDOW = 500;
/** a stream starts at least this far apart (below it the cold start of each stream would weigh too much) */
const MIN_STREAM = 2000;

/**
 * Bits of each next character: out[t] = −log₂ p(ids[t+1] | ids[..t]), T − 1 values. For speed the text is cut into
 * up to `streams` consecutive parts of at least 2,000 characters, read side by side as one batch, each from the
 * zero state (the first characters of each part are read without their earlier context); windows of 500 steps
 * carry the state. Yields to the event loop between windows.
 */
export async function perCharBits(model: Model, ids: ArrayLike<number>, streams = 16): Promise<Float32Array> {
  const N = Math.max(0, ids.length - 1),
    V = model.config.outputs;
  const out = new Float32Array(N);
  if (N === 0) return out;
  const B = Math.max(1, Math.min(streams, Math.floor(N / MIN_STREAM))),
    L = Math.ceil(N / B); // (B streams of L predictions)
  const state = model.newState(B);
  const x = new Int32Array(WINDOW * B), // (T,B)
    y = new Int32Array(WINDOW * B); // (T,B)
  for (let t0 = 0; t0 < L; t0 += WINDOW) {
    const n = Math.min(WINDOW, L - t0);
    for (let t = 0; t < n; t++)
      for (let b = 0; b < B; b++) {
        const at = b * L + t0 + t,
          real = at < N;
        x[t * B + b] = real ? ids[at]! : 0; // past the end of the last stream: padding, not counted
        y[t * B + b] = real ? ids[at + 1]! : 0;
      }
    model.forward(x.subarray(0, n * B), n, B, state, false, null);
    model.loss(y.subarray(0, n * B));
    const p = model.lastProbs; // (n,B,V)
    for (let t = 0; t < n; t++)
      for (let b = 0; b < B; b++) {
        const at = b * L + t0 + t;
        if (at < N) out[at] = -Math.log(Math.max(1e-30, p[(t * B + b) * V + y[t * B + b]!]!)) / LN2;
      }
    await new Promise((r) => setImmediate(r));
  }
  return out;
}

/** what the panel shows (protocol/webview.ts AblationView), without the timing the handler adds */
export type AblationResult = Omit<AblationView, 'ms'>;

/** the values units are held at: 0, or each unit's mean h over the read text (h (T,H)) */
export function clampValues(mode: AblationMode, units: number[], h: Float32Array | undefined, H: number): number[] {
  if (mode === 'zero' || !h) return units.map(() => 0);
  const T = h.length / H;
  return units.map((u) => {
    let s = 0;
    for (let t = 0; t < T; t++) s += h[t * H + u]!;
    return T ? s / T : 0;
  });
}

export async function ablate(
  model: Model,
  codec: CharCodec,
  ids: ArrayLike<number>,
  layer: number,
  units: number[],
  values: number[],
  gen: GenerateSettings,
): Promise<AblationResult> {
  const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / (a.length || 1);
  const generate = async () =>
    (
      await generateChars(
        new EngineStepper(model),
        codec,
        gen,
        () => undefined,
        () => false,
        1 << 30,
      )
    ).text;
  model.setClamp(layer, null);
  const before = await perCharBits(model, ids);
  const textBefore = await generate();
  model.setClamp(layer, { units: Int32Array.from(units), values: Float32Array.from(values) });
  try {
    const after = await perCharBits(model, ids);
    const textAfter = await generate();
    return { units, values, before, after, meanBefore: mean(before), meanAfter: mean(after), textBefore, textAfter };
  } finally {
    model.setClamp(layer, null);
  }
}
