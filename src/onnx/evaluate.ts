/**
 * Held-out evaluation through onnxruntime (`seqlab eval`): one run per window of B parallel streams, the state
 * carried between windows, so a trained model, an imported one, and any ONNX char model are scored the same way.
 * The windows and the scoring rule (unknown targets counted apart, never scored) are the engine's (engine/evaluate.ts).
 */
import { EvalTally, type EvalResult, evalWindows } from '../engine/evaluate';
import type { OnnxModel, State } from './runtime';

export async function evaluateOnnx(model: OnnxModel, ids: ArrayLike<number>, unknown?: ArrayLike<number>, B = 32, T = 256): Promise<EvalResult> {
  const tally = new EvalTally();
  const stateless = model.signature.states.length === 0;
  let state: State | undefined;
  for (const w of evalWindows(ids, unknown, B, T)) {
    if (w.first) state = undefined;
    const r = await model.run(w.x, w.T, w.B, stateless ? undefined : state, { stateTrusted: true });
    state = r.state;
    tally.add(r.logits, w, model.vocabSize);
  }
  return tally.result();
}
