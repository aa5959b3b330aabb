/**
 * The inference worker's insight requests (protocol/infer.ts): each works on the text, the model and the states of
 * the last 'infer/hidden' run (the `HiddenSession`), and times itself.
 */
import type { Model } from '../../engine/model';
import type { Vocab } from '../../data/vocab';
import type { InferRequests } from '../../protocol/infer';
import type { Signal } from '../../protocol/webview';
import { hiddenModel, type HiddenStore } from '../hiddenStates';
import { pickKernels } from '../kernels';
import { ablate, clampValues, perCharBits } from './ablation';
import { nearestStates, pca, umap } from './pca';
import { linearProbe } from './probe';
import { saliency } from './saliency';

export interface HiddenSession {
  model: Model;
  vocab: Vocab;
  /** the characters read, and their ids under `vocab` */
  text: string;
  ids: Int32Array;
  store: HiddenStore;
  /** per-character bits under the model, computed on first need */
  bits?: Float32Array;
  /** the compared model, after 'infer/compare' */
  b?: { model: Model; store: HiddenStore };
}

type Handler<M extends keyof InferRequests> = (req: InferRequests[M][0]) => Promise<InferRequests[M][1]> | InferRequests[M][1];

/** A user-facing error (the panel shows its message as it is). */
export function userError(message: string): Error {
  return Object.assign(new Error(message), { userFacing: true });
}

export function insightHandlers(
  session: () => HiddenSession | undefined,
  read: (model: Model, ids: Int32Array) => Promise<HiddenStore>,
): { [M in 'infer/project' | 'infer/neighbours' | 'infer/saliency' | 'infer/ablate' | 'infer/probe' | 'infer/compare']: Handler<M> } {
  const need = (): HiddenSession => {
    const s = session();
    if (!s) throw userError('Run the model over a text first.');
    return s;
  };
  const states = (s: HiddenSession, layer: number, signal: Signal): Float32Array => {
    const d = s.store.signal(layer, signal);
    if (!d) throw userError(`This model has no signal ${signal} in layer ${layer + 1}.`);
    return d;
  };
  const timed = async <T extends object>(fn: () => T | Promise<T>): Promise<T & { ms: number }> => {
    const t0 = performance.now();
    const r = await fn();
    return { ...r, ms: performance.now() - t0 };
  };
  return {
    'infer/project': ({ layer, signal, method }) =>
      timed(async () => {
        const s = need(),
          X = states(s, layer, signal),
          { T, H } = s.store;
        if (T < 3) throw userError('The projector needs a text of at least 3 characters.');
        if (H < 2) throw userError('The projector needs a layer of at least 2 units.');
        if (method === 'umap') {
          const u = await umap(pickKernels(), X, T, H);
          return { method, index: u.index, coords: u.coords, explained: [] as number[] };
        }
        const p = pca(pickKernels(), X, T, H, 2);
        return { method, index: null, coords: p.coords, explained: p.explained };
      }),
    'infer/neighbours': ({ layer, signal, positions, k }) => {
      const s = need();
      if (positions.some((t) => t >= s.store.T)) throw userError('A position is outside the read text.');
      return nearestStates(states(s, layer, signal), s.store.T, s.store.H, positions, k);
    },
    'infer/saliency': ({ position, method }) =>
      timed(() => {
        const s = need();
        if (position >= s.ids.length) throw userError('The position is outside the read text.');
        const r = saliency(s.model, s.ids, position, { method });
        return { start: r.start, scores: r.scores, target: s.vocab.decode([r.target]), prob: r.prob, method };
      }),
    'infer/ablate': (req) =>
      timed(async () => {
        const s = need();
        if (req.layer >= s.store.layers) throw userError(`This model has ${s.store.layers} layer(s).`);
        const bad = req.units.find((u) => u >= s.store.H);
        if (bad !== undefined) throw userError(`Unit ${bad} does not exist: the layer has units 0 to ${s.store.H - 1}.`);
        if (req.units.length === 0) throw userError('Choose at least one unit to silence.');
        const values = clampValues(req.mode, req.units, s.store.signal(req.layer, 'h'), s.store.H);
        const gen = { prime: req.prompt, length: req.length, temperature: 1, topK: 0, topP: 1, seed: req.seed, greedy: false };
        const r = await ablate(s.model, s.vocab, s.ids, req.layer, req.units, values, gen);
        s.bits = r.before;
        return r;
      }),
    'infer/probe': ({ layer, signal, feature }) => {
      const s = need();
      if (feature.length !== s.store.T) throw userError('The feature must have one value per character read.');
      return linearProbe(pickKernels(), states(s, layer, signal), s.store.T, s.store.H, feature);
    },
    'infer/compare': (req) => timed(() => compare(need(), req, read)),
  };
}

/** read the session's text with a second model: per-character bits of both, and B's states for its heatmap */
async function compare(
  s: HiddenSession,
  { modelDir, name }: InferRequests['infer/compare'][0],
  read: (model: Model, ids: Int32Array) => Promise<HiddenStore>,
): Promise<Omit<InferRequests['infer/compare'][1], 'ms'>> {
  const { model, vocab } = hiddenModel(modelDir);
  const unknownMask = new Uint8Array(s.ids.length);
  const ids = new Int32Array(s.ids.length);
  vocab.encodeInto(s.text, ids, 0, unknownMask);
  const store = await read(model, ids);
  s.b = { model, store };
  s.bits ??= await perCharBits(s.model, s.ids);
  const bitsB = await perCharBits(model, ids);
  const mean = (a: Float32Array) => a.reduce((x, y) => x + y, 0) / (a.length || 1);
  return {
    name,
    bitsA: s.bits,
    bitsB,
    meanA: mean(s.bits),
    meanB: mean(bitsB),
    layers: store.layers,
    H: store.H,
    signals: store.signals,
    unknown: unknownMask.reduce((a, v) => a + v, 0),
  };
}
