/**
 * The autocomplete's mixture of experts as a TokenStepper: the LSTM's stepper (onnxruntime or the engine) and the
 * character n-gram over the same ids, weighed per character by the gate (engine/mixture.ts). What it returns as
 * "logits" are the mixture's log-probabilities, so every decoder (greedy, beam, the confidence rule) works on the
 * mixture unchanged. It has no one-call `greedy`: the n-gram is consulted at every step.
 */
import { fitGate, type Gate, GATE_FEATURES, gateFeatures, gateLogLik, type GateSample, gateWeight } from '../../engine/mixture';
import { CharNgram } from '../../engine/ngram';
import type { TokenStepper } from '../../onnx/decode';
import { join } from 'node:path';
import { writeFileAtomic } from '../../data/atomic';
import { encodeMixture, type MixtureScores } from '../../engine/mixtureFile';
import { OnnxModel, ortStatus, type State } from '../../onnx/runtime';
import { MIXTURE_FILE, ONNX_FILE } from '../../protocol/model';

/** softmax of logits (V) into out, in float64 */
export function softmax64(logits: ArrayLike<number>, out: Float64Array): void {
  let max = -Infinity;
  for (let v = 0; v < logits.length; v++) if (logits[v]! > max) max = logits[v]!;
  let sum = 0;
  for (let v = 0; v < logits.length; v++) sum += out[v] = Math.exp(logits[v]! - max);
  for (let v = 0; v < logits.length; v++) out[v]! /= sum;
}

/** Buffers mixLogProbs reuses (per stepper, or per evaluation loop): one per V. */
export interface MixScratch {
  pl: Float64Array;
  pn: Float64Array;
  f: Float64Array;
}
export function mixScratch(V: number): MixScratch {
  return { pl: new Float64Array(V), pn: new Float64Array(V), f: new Float64Array(GATE_FEATURES) };
}

/**
 * The mixture's distribution (V), as log-probabilities, from the LSTM's logits after ids[0..end) of `history` (the
 * n-gram reads its last order-1 ids). Only the returned array is allocated.
 */
export function mixLogProbs(
  lstmLogits: ArrayLike<number>,
  ngram: CharNgram,
  gate: Gate,
  history: ArrayLike<number>,
  end = history.length,
  scratch: MixScratch = mixScratch(lstmLogits.length),
): Float32Array {
  const V = lstmLogits.length;
  const { pl, pn, f } = scratch;
  softmax64(lstmLogits, pl);
  const matched = ngram.distribution(history, end, pn);
  gateFeatures(pl, pn, matched, ngram.order, f);
  const w = gateWeight(gate, f);
  const out = new Float32Array(V);
  for (let c = 0; c < V; c++) out[c] = Math.log(Math.max(1e-30, w * pl[c]! + (1 - w) * pn[c]!));
  return out;
}

export class MixtureStepper implements TokenStepper {
  constructor(
    private readonly inner: TokenStepper,
    private readonly ngram: CharNgram,
    private readonly gate: Gate,
    /** the ids read so far (only the last order-1 matter to the n-gram) */
    private history: number[] = [],
  ) {}

  private scratch?: MixScratch;

  async prime(tokens: ArrayLike<number>): Promise<Float32Array> {
    const logits = await this.inner.prime(tokens);
    this.history = [...this.history, ...Array.from(tokens)].slice(-(this.ngram.order - 1));
    this.scratch ??= mixScratch(logits.length);
    return mixLogProbs(logits, this.ngram, this.gate, this.history, this.history.length, this.scratch);
  }

  step(token: number): Promise<Float32Array> {
    return this.prime([token]);
  }

  fork(): MixtureStepper {
    return new MixtureStepper(this.inner.fork(), this.ngram, this.gate, [...this.history]);
  }
}

/** The LSTM's logits (V) for each position i ≥ 1 of `ids` (predicting ids[i] from ids[..i)), read in windows of one stream. */
export async function eachLogits(onnx: OnnxModel, ids: ArrayLike<number>, each: (i: number, logits: Float32Array) => void, window = 512): Promise<void> {
  let state: State = onnx.zeroState(1);
  const V = onnx.signature.outputs;
  for (let s = 0; s < ids.length - 1; s += window) {
    const n = Math.min(window, ids.length - 1 - s);
    const r = await onnx.run(
      Array.from({ length: n }, (_, t) => ids[s + t]!),
      n,
      1,
      state,
      { stateTrusted: true },
    );
    state = r.state;
    for (let t = 0; t < n; t++) each(s + t + 1, r.logits.subarray(t * V, (t + 1) * V));
  }
}

/** Bits/char on the training text's tail: the gate, one fixed weight, each expert alone; and how many characters. */
/** bits/char on the training text's tail: the gate, one fixed weight, each expert alone (engine/mixtureFile.ts) */
export type MixtureValidation = MixtureScores;

/** Count `ids` into `ng` in slices, calling `pause` between them (so a caller on a UI thread can yield). */
async function trainInSlices(ng: CharNgram, ids: ArrayLike<number>, from: number, to: number, pause: () => Promise<void>): Promise<void> {
  const SLICE = 20_000; // about 10 ms of counting
  for (let s = from; s < to; s += SLICE) {
    ng.train(Array.from({ length: Math.min(SLICE, to - s) }, (_, i) => ids[s + i]!));
    await pause();
  }
}

/**
 * The mixture for a model and its training text: the gate fitted on the text's last 10% (where the LSTM validated)
 * with a 5-gram of the first 90%, the fixed-weight baseline, their bits/char there; and the 5-gram of the whole
 * text that completion uses. `pause` is called between slices of work (the extension host yields there); n-grams
 * across a slice boundary are not counted, which changes the counts negligibly.
 */
export async function buildMixture(
  onnx: OnnxModel,
  V: number,
  trainIds: ArrayLike<number>,
  pause: () => Promise<void> = async () => {},
): Promise<{ ngram: CharNgram; gate: Gate; fixed: Gate; validation: MixtureValidation }> {
  const cut = Math.floor(trainIds.length * 0.9);
  const head = new CharNgram(V, 5);
  await trainInSlices(head, trainIds, 0, cut, pause);
  const val = Array.from({ length: Math.min(10_000, trainIds.length - cut) }, (_, i) => trainIds[cut + i]!);
  const samples: GateSample[] = [];
  const pl = new Float64Array(V),
    pn = new Float64Array(V);
  await eachLogits(onnx, val, (i, logits) => {
    if (i < 8) return; // let the LSTM's state settle
    softmax64(logits, pl);
    const matched = head.distribution(val, i, pn);
    const f = new Float64Array(GATE_FEATURES);
    gateFeatures(pl, pn, matched, head.order, f);
    samples.push({ f, pl: pl[val[i]!]!, pn: pn[val[i]!]! });
  });
  if (samples.length < 100) throw new Error(`the training text's tail is too short to fit the mixture's gate (${samples.length} characters)`);
  await pause();
  const gate = fitGate(samples);
  await pause();
  const fixed = fitGate(samples, { fixed: true });
  const ngram = new CharNgram(V, 5);
  await trainInSlices(ngram, trainIds, 0, trainIds.length, pause);
  const bits = (g: Gate) => -gateLogLik(g, samples) / Math.LN2;
  const only = (k: 'pl' | 'pn') => -samples.reduce((a, x) => a + Math.log(Math.max(1e-12, x[k])), 0) / samples.length / Math.LN2;
  return { ngram, gate, fixed, validation: { gate: bits(gate), fixed: bits(fixed), lstm: only('pl'), ngram: only('pn'), chars: samples.length } };
}

/** characters of the training text the saved mixture counts at most (its first ones) */
export const MIXTURE_MAX_CHARS = 8_000_000;

/**
 * After a char model's training: fit the mixture on its training text (the model's model.onnx through
 * onnxruntime) and write mixture.bin beside it, so autocomplete needs nothing else. Skipped, with the reason logged,
 * where onnxruntime does not load or the text is too short for the gate.
 */
export async function writeMixtureFile(
  outDir: string,
  V: number,
  ids: ArrayLike<number>,
  log: (level: 'info' | 'warn', message: string) => void,
): Promise<void> {
  if (!ortStatus().ok) return log('warn', `${MIXTURE_FILE} was not written: onnxruntime does not load here`);
  const t0 = performance.now();
  const onnx = await OnnxModel.load(join(outDir, ONNX_FILE), { name: 'mixture' });
  try {
    const text = ids.length > MIXTURE_MAX_CHARS ? Array.from({ length: MIXTURE_MAX_CHARS }, (_, i) => ids[i]!) : ids;
    const m = await buildMixture(onnx, V, text);
    const bytes = encodeMixture({ ngram: m.ngram, gate: m.gate, validation: m.validation });
    writeFileAtomic(join(outDir, MIXTURE_FILE), bytes);
    log(
      'info',
      `wrote ${MIXTURE_FILE} (${(bytes.length / 1e6).toFixed(1)} MB, ${Math.round(performance.now() - t0)} ms): on the training text's tail the mixture scores ${m.validation.gate.toFixed(3)} bits/char (LSTM ${m.validation.lstm.toFixed(3)}, 5-gram ${m.validation.ngram.toFixed(3)})`,
    );
  } catch (e) {
    log('warn', `${MIXTURE_FILE} was not written: ${(e as Error).message}`);
  } finally {
    await onnx.dispose();
  }
}
