/**
 * Finite-difference gradient checks in float64 for every cell, head, embedding and dropout (fixed mask),
 * with 1 and 2 layers. Central differences on a sample of parameters of every tensor.
 */
import assert from 'node:assert/strict';
import { type CellType, charConfig, regressionConfig, type ModelConfig } from '../../src/engine/config';
import { Model } from '../../src/engine/model';
import { Rng } from '../../src/engine/rng';

function check(config: ModelConfig, opts: { lastOnly?: boolean } = {}) {
  const T = 5,
    B = 3,
    rng = new Rng(7);
  const m = new Model(config, { dtype: 'f64' });
  m.initParams(rng);
  // larger weights so gates are away from the linear regime
  for (let i = 0; i < m.params.data.length; i++) m.params.data[i] *= 2.5;
  const input =
    config.kind === 'char' ? Array.from({ length: T * B }, () => rng.int(config.vocab)) : Array.from({ length: T * B * config.features }, () => rng.normal());
  const targets =
    config.kind === 'char' ? Array.from({ length: T * B }, () => rng.int(config.vocab)) : Array.from({ length: T * B * config.outputs }, () => rng.normal());
  const h0 = m.newState(B);
  for (const a of [...h0.h, ...h0.c]) for (let i = 0; i < a.length; i++) a[i] = rng.uniform(-0.8, 0.8);
  const masks: Float64Array[] = [];
  for (let l = 0; l < config.layers; l++) {
    const mk = new Float64Array(T * B * config.hidden);
    for (let i = 0; i < mk.length; i++) mk[i] = rng.next() < config.dropout ? 0 : 1 / (1 - config.dropout);
    masks.push(mk);
  }
  const cloneState = () => ({ B, h: h0.h.map((a) => a.slice()), c: h0.c.map((a) => a.slice()) });
  const lossAt = () => {
    m.forward(input, T, B, cloneState(), true, null, masks);
    return m.loss(targets, opts.lastOnly);
  };
  m.zeroGrads();
  lossAt();
  m.backward(targets, opts.lastOnly);
  const analytic = Float64Array.from(m.grads.data);
  const eps = 1e-6;
  let worst = 0,
    checked = 0;
  for (const e of m.params.entries) {
    const n = Math.min(e.size, 12);
    for (let s = 0; s < n; s++) {
      const i = e.offset + Math.floor((s * e.size) / n);
      const old = m.params.data[i];
      m.params.data[i] = old + eps;
      const lp = lossAt();
      m.params.data[i] = old - eps;
      const lm = lossAt();
      m.params.data[i] = old;
      const num = (lp - lm) / (2 * eps);
      const err = Math.abs(num - analytic[i]) / Math.max(1e-4, Math.abs(num) + Math.abs(analytic[i]));
      worst = Math.max(worst, err);
      checked++;
      assert.ok(err < 1e-5, `${e.name}[${i - e.offset}]: numeric ${num} vs analytic ${analytic[i]} (rel err ${err})`);
    }
  }
  return { worst, checked };
}

describe('gradient checks (float64 finite differences)', () => {
  for (const cell of ['lstm', 'gru', 'rnn'] as CellType[]) {
    for (const layers of [1, 2]) {
      it(`${cell} char model, ${layers} layer(s), with embedding and softmax head`, () => {
        const r = check(charConfig({ cell, layers, hidden: 4, emb: 3, vocab: 6 }));
        assert.ok(r.checked > 20);
      });
      it(`${cell} regression model, ${layers} layer(s), with MSE head`, () => {
        check(regressionConfig({ cell, layers, hidden: 4, features: 3, outputs: 2 }));
      });
    }
    it(`${cell} 2 layers with dropout (fixed mask)`, () => {
      check(charConfig({ cell, layers: 2, hidden: 4, emb: 3, vocab: 5, dropout: 0.3 }));
    });
  }
  it('MSE on the last step only (forecasting windows)', () => {
    check(regressionConfig({ cell: 'lstm', layers: 1, hidden: 4, features: 2, outputs: 3 }), { lastOnly: true });
  });
  it('detects a broken gradient (the check can fail)', () => {
    const m = new Model(charConfig({ cell: 'gru', hidden: 3, emb: 2, vocab: 4 }), { dtype: 'f64' });
    m.initParams(new Rng(1));
    const st = m.newState(1);
    m.forward([1, 2], 2, 1, st, false, null);
    m.loss([2, 3]);
    m.zeroGrads();
    m.backward([2, 3]);
    const g = m.grads.view('R0');
    g[0] += 0.1;
    const i = m.grads.entries.find((e) => e.name === 'R0')!.offset;
    const eps = 1e-6,
      old = m.params.data[i];
    const L = () => {
      m.forward([1, 2], 2, 1, m.newState(1), false, null);
      return m.loss([2, 3]);
    };
    m.params.data[i] = old + eps;
    const lp = L();
    m.params.data[i] = old - eps;
    const lm = L();
    m.params.data[i] = old;
    assert.ok(Math.abs((lp - lm) / (2 * eps) - m.grads.data[i]) > 0.05);
  });
});
