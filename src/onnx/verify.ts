/**
 * Export with a parity check: the TypeScript engine and onnxruntime-node run the same random batch (random tokens
 * or features, random non-zero initial states) and the export fails loudly if any output — logits, final states,
 * any layer's Y — differs by more than 1e-4.
 */
import type { ModelConfig } from '../engine/config';
import { Model } from '../engine/model';
import { Rng } from '../engine/rng';
import { type ExportMeta, exportOnnx, ioNames } from './export';
import { OnnxModel, type State } from './runtime';

export const PARITY_TOLERANCE = 1e-4;

export class ExportParityError extends Error {
  constructor(
    message: string,
    readonly maxDiff: number,
  ) {
    super(message);
    this.name = 'ExportParityError';
  }
}

export interface ParityReport {
  maxDiff: number;
  worst: string;
  T: number;
  B: number;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>, n: number): number {
  let d = 0;
  for (let i = 0; i < n; i++) {
    const x = Math.abs(a[i]! - b[i]!);
    if (!(x <= d)) d = Number.isNaN(x) ? Infinity : x;
  }
  return d;
}

/** Run engine and onnxruntime on the same random batch; returns the largest difference and where it was. */
export async function checkParity(
  config: ModelConfig,
  params: Float32Array,
  bytes: Uint8Array,
  opts: { T?: number; B?: number; seed?: number } = {},
): Promise<ParityReport> {
  const T = opts.T ?? 16,
    B = opts.B ?? 2;
  const rng = new Rng(opts.seed ?? 12345);
  const io = ioNames(config);
  const input: number[] =
    config.kind === 'char' ? Array.from({ length: T * B }, () => rng.int(config.vocab)) : Array.from({ length: T * B * config.features }, () => rng.normal());
  const engine = new Model(config, { params });
  const st = engine.newState(B);
  const ortState: State = {};
  for (let l = 0; l < config.layers; l++) {
    for (let i = 0; i < B * config.hidden; i++) {
      st.h[l]![i] = rng.uniform(-0.5, 0.5);
      st.c[l]![i] = rng.uniform(-0.5, 0.5);
    }
    ortState[io.h0[l]!] = Float32Array.from(st.h[l]!);
    if (config.cell === 'lstm') ortState[io.c0[l]!] = Float32Array.from(st.c[l]!);
  }
  const logits = Float32Array.from(engine.forward(input, T, B, st, false, null).subarray(0, T * B * config.outputs));
  const Ys = Array.from({ length: config.layers }, (_, l) => Float32Array.from(engine.layerOutput(l).subarray(0, T * B * config.hidden)));
  const m = await OnnxModel.load(bytes, { name: 'the exported model' });
  try {
    const r = await m.run(input, T, B, ortState, { Y: true });
    const diffs: [string, number][] = [['logits', maxAbsDiff(logits, r.logits, logits.length)]];
    for (let l = 0; l < config.layers; l++) {
      diffs.push([`Y_${l}`, maxAbsDiff(Ys[l]!, r.Y![l]!, Ys[l]!.length)]);
      diffs.push([io.hT[l]!, maxAbsDiff(st.h[l]!, r.state[io.h0[l]!]!, B * config.hidden)]);
      if (config.cell === 'lstm') diffs.push([io.cT[l]!, maxAbsDiff(st.c[l]!, r.state[io.c0[l]!]!, B * config.hidden)]);
    }
    const [worst, maxDiff] = diffs.reduce((a, b) => (b[1] > a[1] ? b : a));
    return { maxDiff, worst, T, B };
  } finally {
    await m.dispose();
  }
}

/** exportOnnx + checkParity; throws ExportParityError when the runtimes disagree beyond `tolerance`. */
export async function exportVerified(
  config: ModelConfig,
  params: Float32Array,
  meta: ExportMeta = {},
  opts: { T?: number; B?: number; seed?: number; tolerance?: number } = {},
): Promise<{ bytes: Uint8Array; parity: ParityReport }> {
  const bytes = exportOnnx(config, params, meta);
  const parity = await checkParity(config, params, bytes, opts);
  const tol = opts.tolerance ?? PARITY_TOLERANCE;
  if (!(parity.maxDiff <= tol)) {
    throw new ExportParityError(
      `ONNX export failed its parity check: onnxruntime and the TypeScript engine disagree by ` +
        `${parity.maxDiff.toExponential(2)} on ${parity.worst} (tolerance ${tol}). The model was not exported.`,
      parity.maxDiff,
    );
  }
  return { bytes, parity };
}
