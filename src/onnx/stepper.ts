import { type GreedyResult, greedySteps } from './decode';
import { InferenceInputError } from './errors';
import type { OnnxModel, State } from './runtime';

/**
 * One stream, one token at a time, carrying the recurrent state: `prime(context)` runs the context in one call,
 * then `step(id)` advances by one. Both return the logits (V) for the next token. Models without state inputs are
 * re-run over the whole history on each step.
 */
export class Stepper {
  state: State;
  private history: number[] = [];
  constructor(readonly model: OnnxModel) {
    this.state = model.zeroState(1);
  }

  reset(): void {
    this.state = this.model.zeroState(1);
    this.history = [];
  }

  async prime(tokens: ArrayLike<number>): Promise<Float32Array> {
    if (tokens.length === 0) throw new InferenceInputError('cannot prime on an empty context');
    const stateless = this.model.signature.states.length === 0;
    const ids = stateless ? [...this.history, ...Array.from(tokens)] : Array.from(tokens);
    // the state is either zeros or came out of the previous run: no need to re-scan it for NaN
    const r = await this.model.run(ids, ids.length, 1, stateless ? undefined : this.state, { stateTrusted: true });
    this.state = r.state;
    if (stateless) this.history = ids;
    const O = this.model.signature.outputs;
    return r.logits.slice((ids.length - 1) * O);
  }

  step(token: number): Promise<Float32Array> {
    return this.prime([token]);
  }

  /**
   * Read `tokens`, then pick up to `maxSteps` tokens greedily (stopping after one of `stopIds`), in one run of the
   * greedy graph when the model has one, else one run per token. This stepper ends up after `tokens` only.
   */
  async greedy(tokens: ArrayLike<number>, maxSteps: number, stopIds: number[]): Promise<GreedyResult> {
    if (tokens.length === 0) throw new InferenceInputError('cannot decode from an empty context');
    if (this.model.signature.states.length > 0) {
      const r = await this.model.greedyRun(tokens, this.state, maxSteps, stopIds);
      if (r) {
        this.state = r.state;
        return { ids: r.ids, logProbs: r.logProbs };
      }
    }
    const logits = await this.prime(tokens);
    return (await greedySteps(this.fork(), logits, maxSteps, stopIds))!;
  }

  /** A copy that continues independently (beam search, speculative completion). */
  fork(): Stepper {
    const s = new Stepper(this.model);
    s.history = [...this.history];
    for (const k of Object.keys(this.state)) s.state[k] = this.state[k]!.slice();
    return s;
  }

  /**
   * Advance this stepper and `others` (same model) by one token each in ONE batched run (beam search).
   * Returns each stepper's next-token logits, this one first.
   */
  async stepBatch(others: Stepper[], tokens: number[]): Promise<Float32Array[]> {
    const all = [this as Stepper, ...others];
    const B = all.length;
    if (tokens.length !== B) throw new InferenceInputError(`stepBatch needs one token per stepper (${B}), got ${tokens.length}`);
    const sig = this.model.signature;
    if (sig.states.length === 0 || all.some((s) => s.model !== this.model)) {
      const out: Float32Array[] = [];
      for (let b = 0; b < B; b++) out.push(await all[b]!.step(tokens[b]!));
      return out;
    }
    // states are (n,1,H) per stepper → (n,B,H) batched
    const batched: State = {};
    for (const st of sig.states) {
      const H = st.hidden,
        x = new Float32Array(st.n * B * H);
      for (let b = 0; b < B; b++) {
        const src = all[b]!.state[st.input]!;
        for (let i = 0; i < st.n; i++) x.set(src.subarray(i * H, (i + 1) * H), (i * B + b) * H);
      }
      batched[st.input] = x;
    }
    const r = await this.model.run(tokens, 1, B, batched, { stateTrusted: true });
    const O = sig.outputs;
    for (const st of sig.states) {
      const H = st.hidden,
        y = r.state[st.input]!;
      for (let b = 0; b < B; b++) {
        const dst = new Float32Array(st.n * H);
        for (let i = 0; i < st.n; i++) dst.set(y.subarray((i * B + b) * H, (i * B + b + 1) * H), i * H);
        all[b]!.state[st.input] = dst;
      }
    }
    return all.map((_, b) => r.logits.slice(b * O, (b + 1) * O));
  }
}
