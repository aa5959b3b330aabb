/**
 * Hidden-state reading benchmark: how long the hidden-state panel waits before its first paint (h of the chosen
 * layer), and until every signal is ready, for 10,000 and 50,000 characters.
 *   before  the TS engine's forward pass over windows (extractHidden, every signal at once)
 *   after   onnxruntime for h (readHiddenOnnx), then c and the gates from batched GEMMs on first request
 * Anchor: the engine's pass is measured in the same run, so the ratio holds on a shared machine.
 * Then the insight tools on the 50,000 characters: the projector (PCA of every position; UMAP of a 3,000-point
 * sample), saliency of one prediction (gradient × input; integrated gradients, 32 steps), an ablation (both loss
 * passes and both generations) and a linear probe. W512 (one LSTM layer of 512 units) is the PCA case.
 * Usage: npm run bench:hidden   (or node dist/bench/hidden.js [C1,C2,W512])
 */
import { charConfig } from '../src/engine/config';
import { Model } from '../src/engine/model';
import { Rng } from '../src/engine/rng';
import { exportOnnx } from '../src/onnx/export';
import { OnnxModel } from '../src/onnx/runtime';
import { extractHidden, readHiddenOnnx, type HiddenStore } from '../src/worker/hiddenStates';
import { ablate } from '../src/worker/insight/ablation';
import { pca, umap, UMAP_MAX_POINTS } from '../src/worker/insight/pca';
import { linearProbe } from '../src/worker/insight/probe';
import { saliency } from '../src/worker/insight/saliency';
import { pickKernels } from '../src/worker/kernels';

const CONFIGS = {
  C1: { cell: 'lstm' as const, layers: 1, hidden: 128, emb: 64 },
  C2: { cell: 'lstm' as const, layers: 2, hidden: 256, emb: 64 },
  W512: { cell: 'lstm' as const, layers: 1, hidden: 512, emb: 64 },
};

const ms = async (fn: () => unknown): Promise<string> => {
  const t0 = performance.now();
  await fn();
  return `${(performance.now() - t0).toFixed(0)} ms`;
};

/** the insight tools on the states of the last layer (store from readHiddenOnnx) */
async function insight(name: string, model: Model, store: HiddenStore, ids: Int32Array): Promise<void> {
  const k = pickKernels(),
    { T, H } = store,
    l = store.layers - 1;
  const X = store.signal(l, 'h')!;
  const codec = {
    decode: (a: ArrayLike<number>) => Array.from(a, (v) => String.fromCharCode(32 + v)).join(''),
    encode: (s: string) => Array.from(s, (c) => c.charCodeAt(0) - 32),
  };
  const feature = Float32Array.from({ length: T }, (_, t) => (ids[t]! % 3 === 0 ? 1 : 0));
  const gen = { prime: 'ab', length: 200, temperature: 1, topK: 0, topP: 1, seed: 1, greedy: false };
  const parts = [
    `PCA ${await ms(() => pca(k, X, T, H, 2))}`,
    `UMAP (${Math.min(T, UMAP_MAX_POINTS)} points) ${await ms(() => umap(k, X, T, H))}`,
    `saliency ${await ms(() => saliency(model, ids, T - 1, { method: 'gradient' }))}, integrated ${await ms(() => saliency(model, ids, T - 1, { method: 'integrated' }))}`,
    `ablation ${await ms(() => ablate(model, codec, ids, l, [0, 1, 2], [0, 0, 0], gen))}`,
    `probe ${await ms(() => linearProbe(k, X, T, H, feature))}`,
  ];
  console.log(`${name} ${T.toLocaleString('en-US')} chars × ${H} units: ${parts.join('; ')}`);
}

async function main(): Promise<void> {
  const names = (process.argv[2] ?? 'C1,C2,W512').split(',') as (keyof typeof CONFIGS)[];
  const insights: (() => Promise<void>)[] = [];
  for (const name of names) {
    const config = charConfig({ ...CONFIGS[name], vocab: 80 });
    const model = new Model(config, { kernels: pickKernels() });
    model.initParams(new Rng(1));
    for (const T of [10_000, 50_000]) {
      const ids = Int32Array.from({ length: T }, (_, i) => (i * 7 + (i >> 4)) % 80);
      let t0 = performance.now();
      await extractHidden(model, ids, 1000);
      const before = performance.now() - t0;
      t0 = performance.now();
      const onnx = await OnnxModel.load(exportOnnx(config, Float32Array.from(model.params.data)));
      const store = await readHiddenOnnx(onnx, model, ids);
      store.signal(config.layers - 1, 'h');
      const firstPaint = performance.now() - t0;
      for (let l = 0; l < config.layers; l++) for (const s of store.signals) store.signal(l, s);
      const all = performance.now() - t0;
      await onnx.dispose();
      if (T === 50_000) insights.push(() => insight(name, model, store, ids));
      console.log(
        `${name} ${T.toLocaleString('en-US')} chars: before ${before.toFixed(0)} ms; after: first paint (h) ${firstPaint.toFixed(0)} ms, every signal ${all.toFixed(0)} ms; ${(before / firstPaint).toFixed(1)}x to the first paint`,
      );
    }
  }
  for (const run of insights) await run();
}

void main();
