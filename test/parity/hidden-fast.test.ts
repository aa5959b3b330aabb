/**
 * The fast hidden-state reader (onnxruntime for h, batched GEMMs for c and the gates) against its reference twin,
 * the TS engine's forward pass: every signal of every layer, for LSTM (2 layers), GRU and RNN, over windows and
 * chunks that do not divide the text.
 */
import assert from 'node:assert/strict';
import { charConfig, type CellType } from '../../src/engine/config';
import { Model } from '../../src/engine/model';
import { Rng } from '../../src/engine/rng';
import { exportOnnx } from '../../src/onnx/export';
import { OnnxModel } from '../../src/onnx/runtime';
import { extractHidden, readHiddenOnnx } from '../../src/worker/hiddenStates';

describe('hidden states: the onnxruntime reader equals the engine', function () {
  this.timeout(120000);
  const cases: [CellType, number][] = [
    ['lstm', 2],
    ['gru', 1],
    ['rnn', 2],
  ];
  for (const [cell, layers] of cases) {
    it(`${cell.toUpperCase()} ×${layers}: every signal of every layer`, async () => {
      const config = charConfig({ cell, layers, hidden: 24, emb: 8, vocab: 11 });
      const model = new Model(config);
      model.initParams(new Rng(5));
      const ids = Array.from({ length: 5000 }, (_, i) => (i * 7 + (i >> 3)) % 11);
      const ref = await extractHidden(model, ids, 700);
      const onnx = await OnnxModel.load(exportOnnx(config, Float32Array.from(model.params.data)));
      try {
        const fast = await readHiddenOnnx(onnx, model, ids, 1300);
        assert.deepEqual(fast.signals, ref.signals);
        for (let l = 0; l < layers; l++) {
          for (const s of ref.signals) {
            const a = fast.signal(l, s)!,
              b = ref.signal(l, s)!;
            assert.equal(a.length, b.length);
            let worst = 0;
            for (let k = 0; k < a.length; k++) worst = Math.max(worst, Math.abs(a[k]! - b[k]!));
            assert.ok(worst < 2e-4, `${s} of layer ${l + 1}: differs by ${worst}`);
          }
        }
        assert.equal(fast.signal(layers, 'h'), undefined, 'no such layer');
      } finally {
        await onnx.dispose();
      }
    });
  }
});
