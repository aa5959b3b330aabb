/**
 * Ablation, the causal check of the cell finder: silence units of one layer (hold their h at zero, or at their mean
 * over the read text, after every step: engine/cells.ts UnitClamp) and measure what changes:
 * - the loss of every character of the read text, with and without (the panel sums the difference per feature);
 * - generated text from the same prompt and seed, with and without.
 * Both runs use the TS engine, so the only difference between them is the clamp.
 */
import type { Model } from '../../engine/model';
import type { GenerateSettings } from '../../protocol/webview';
import { EngineStepper } from '../../onnx/fallback';
import { generateChars, type CharCodec } from '../inferCore';

export type AblationMode = 'zero' | 'mean';

const LN2 = Math.log(2);
const WINDOW = 1000;

/**
 * Bits of each next character: out[t] = −log₂ p(ids[t+1] | ids[..t]), T − 1 values, the state carried across
 * windows of 1,000 steps from the zero state. Yields to the event loop between windows.
 */
export async function perCharBits(model: Model, ids: ArrayLike<number>): Promise<Float32Array> {
  const T = ids.length,
    V = model.config.outputs;
  const out = new Float32Array(Math.max(0, T - 1));
  const state = model.newState(1);
  for (let t0 = 0; t0 < T - 1; t0 += WINDOW) {
    const n = Math.min(WINDOW, T - 1 - t0);
    const x = Int32Array.from({ length: n }, (_, i) => ids[t0 + i]!);
    const y = Int32Array.from({ length: n }, (_, i) => ids[t0 + i + 1]!);
    model.forward(x, n, 1, state, false, null);
    model.loss(y);
    const p = model.lastProbs; // (n,1,V)
    for (let i = 0; i < n; i++) out[t0 + i] = -Math.log(Math.max(1e-30, p[i * V + y[i]!]!)) / LN2;
    await new Promise((r) => setImmediate(r));
  }
  return out;
}

export interface AblationResult {
  units: number[];
  values: number[];
  /** bits per next character (T − 1) before and after */
  before: Float32Array;
  after: Float32Array;
  meanBefore: number;
  meanAfter: number;
  /** generated from the same prompt and seed */
  textBefore: string;
  textAfter: string;
}

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
