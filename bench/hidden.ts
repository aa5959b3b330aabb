/**
 * Hidden-state reading benchmark: how long the hidden-state panel waits before its first paint (h of the chosen
 * layer), and until every signal is ready, for 10,000 and 50,000 characters.
 *   before  the TS engine's forward pass over windows (extractHidden, every signal at once)
 *   after   onnxruntime for h (readHiddenOnnx), then c and the gates from batched GEMMs on first request
 * Anchor: the engine's pass is measured in the same run, so the ratio holds on a shared machine.
 * Usage: npm run bench:hidden   (or node dist/bench/hidden.js [C1,C2])
 */
import { charConfig } from '../src/engine/config';
import { Model } from '../src/engine/model';
import { Rng } from '../src/engine/rng';
import { exportOnnx } from '../src/onnx/export';
import { OnnxModel } from '../src/onnx/runtime';
import { extractHidden, readHiddenOnnx } from '../src/worker/hiddenStates';
import { pickKernels } from '../src/worker/kernels';

const CONFIGS = {
  C1: { cell: 'lstm' as const, layers: 1, hidden: 128, emb: 64 },
  C2: { cell: 'lstm' as const, layers: 2, hidden: 256, emb: 64 },
};

async function main(): Promise<void> {
  const names = (process.argv[2] ?? 'C1,C2').split(',') as (keyof typeof CONFIGS)[];
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
      console.log(
        `${name} ${T.toLocaleString('en-US')} chars: before ${before.toFixed(0)} ms; after: first paint (h) ${firstPaint.toFixed(0)} ms, every signal ${all.toFixed(0)} ms; ${(before / firstPaint).toFixed(1)}x to the first paint`,
      );
    }
  }
}

void main();
