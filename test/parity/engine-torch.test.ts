/**
 * Golden parity with PyTorch: the engine (float32 and float64) reproduces logits, loss, final states,
 * every layer's hidden sequence and every parameter gradient from fixtures written by
 * test/parity/gen_fixtures.py (PyTorch nn.LSTM/GRU/RNN, gate order mapped to ONNX's). No PyTorch needed here.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kernels } from '../../src/engine/kernels';
import { createWasmKernels } from '../../src/engine/kernels-wasm';
import { type Dtype, Model } from '../../src/engine/model';
import type { Fixture } from './fixture';

const wasm = createWasmKernels();

const dir = join(__dirname, '..', 'fixtures', 'parity');

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'length');
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const files = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort();

describe('engine ↔ PyTorch golden parity', () => {
  it('has fixtures for every cell, 1 and 2 layers, char and regression', () => {
    for (const c of ['lstm', 'gru', 'rnn']) for (const l of [1, 2]) assert.ok(files.includes(`char_${c}_l${l}.json`));
    for (const c of ['lstm', 'gru', 'rnn']) assert.ok(files.includes(`reg_${c}_l1.json`));
  });
  it('the WASM SIMD kernels load here (the fast path is tested, not skipped)', () => {
    assert.ok(wasm, 'createWasmKernels() returned null');
  });
  for (const file of files) {
    for (const dtype of ['f32', 'f64', 'wasm'] as (Dtype | 'wasm')[]) {
      it(`${file} (${dtype}) matches to 1e-5`, () => {
        const f = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Fixture;
        const m = dtype === 'wasm' ? new Model(f.config, { kernels: wasm as Kernels }) : new Model(f.config, { dtype });
        for (const e of m.params.entries) m.params.view(e.name).set(f.params[e.name]);
        const st = m.newState(f.B);
        for (let l = 0; l < f.config.layers; l++) {
          st.h[l].set(f.h0[l]);
          if (f.c0) st.c[l].set(f.c0[l]);
        }
        const logits = m.forward(f.inputs, f.T, f.B, st, false, null);
        const tol = 1e-5;
        assert.ok(maxDiff(logits.subarray(0, f.logits.length), f.logits) < tol, 'logits');
        for (let l = 0; l < f.config.layers; l++) {
          assert.ok(maxDiff(m.layerOutput(l).subarray(0, f.Y[l].length), f.Y[l]) < tol, `Y${l}`);
          assert.ok(maxDiff(st.h[l], f.hT[l]) < tol, `hT${l}`);
          if (f.cT) assert.ok(maxDiff(st.c[l], f.cT[l]) < tol, `cT${l}`);
        }
        const loss = m.loss(f.targets);
        assert.ok(Math.abs(loss - f.loss) < tol, `loss ${loss} vs ${f.loss}`);
        m.zeroGrads();
        m.backward(f.targets);
        for (const e of m.grads.entries) {
          const d = maxDiff(m.grads.view(e.name), f.grads[e.name]);
          assert.ok(d < tol, `grad ${e.name}: max abs diff ${d}`);
        }
      });
    }
  }
});
