/**
 * Sanity checks for the PyTorch golden fixtures (test/fixtures/parity/*.json, written by gen_fixtures.py):
 * every array has the size the config implies, every parameter/gradient matches paramLayout(config),
 * and the stored loss is consistent with the stored logits and targets. Catches a broken generator.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { validateConfig } from '../../src/engine/config';
import { paramLayout } from '../../src/engine/params';
import type { Fixture } from './fixture';

const DIR = path.join(__dirname, '..', 'fixtures', 'parity');
const files = fs
  .readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

function allFinite(xs: number[], what: string): void {
  for (const x of xs) assert.ok(Number.isFinite(x), `${what} holds a non-finite value`);
}

describe('parity fixtures (PyTorch goldens)', () => {
  it('the full set is present: char lstm/gru/rnn x 1,2 layers and regression models', () => {
    for (const c of ['lstm', 'gru', 'rnn']) for (const l of [1, 2]) assert.ok(files.includes(`char_${c}_l${l}.json`), `char_${c}_l${l}.json`);
    for (const c of ['lstm', 'gru', 'rnn']) assert.ok(files.includes(`reg_${c}_l1.json`), `reg_${c}_l1.json`);
    assert.ok(files.includes('reg_lstm_l2.json'));
  });

  for (const file of files) {
    describe(file, () => {
      const fx = JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8')) as Fixture;
      const c = fx.config;
      const { T, B } = fx;
      const H = c.hidden,
        O = c.outputs,
        L = c.layers;

      it('has a valid config', () => {
        validateConfig(c);
        assert.equal(c.dropout, 0);
      });

      it('params and grads match paramLayout(config) exactly', () => {
        const { entries } = paramLayout(c);
        assert.deepEqual(Object.keys(fx.params).sort(), entries.map((e) => e.name).sort());
        assert.deepEqual(Object.keys(fx.grads).sort(), entries.map((e) => e.name).sort());
        for (const e of entries) {
          assert.equal(fx.params[e.name]!.length, e.size, `param ${e.name}`);
          assert.equal(fx.grads[e.name]!.length, e.size, `grad ${e.name}`);
          allFinite(fx.params[e.name]!, e.name);
          allFinite(fx.grads[e.name]!, `d${e.name}`);
          assert.ok(
            fx.grads[e.name]!.some((g) => g !== 0),
            `gradient of ${e.name} is all zero`,
          );
        }
      });

      it('inputs, targets, states, sequences and logits have the implied sizes', () => {
        if (c.kind === 'char') {
          assert.equal(fx.inputs.length, T * B);
          assert.equal(fx.targets.length, T * B);
          for (const v of [...fx.inputs, ...fx.targets]) assert.ok(Number.isInteger(v) && v >= 0 && v < c.vocab);
        } else {
          assert.equal(fx.inputs.length, T * B * c.features);
          assert.equal(fx.targets.length, T * B * O);
        }
        assert.equal(fx.logits.length, T * B * O);
        const states: [string, number[][] | undefined][] = [
          ['h0', fx.h0],
          ['hT', fx.hT],
          ['dh0', fx.dh0],
        ];
        if (c.cell === 'lstm') states.push(['c0', fx.c0], ['cT', fx.cT], ['dc0', fx.dc0]);
        else assert.ok(fx.c0 === undefined && fx.cT === undefined, 'only LSTM fixtures carry cell state');
        for (const [name, s] of states) {
          assert.ok(s, `${name} missing`);
          assert.equal(s.length, L, `${name} per layer`);
          for (const x of s) {
            assert.equal(x.length, B * H, name);
            allFinite(x, name);
          }
        }
        assert.equal(fx.Y.length, L);
        for (const y of fx.Y) assert.equal(y.length, T * B * H);
        // hT of each layer is the last time step of its Y
        for (let l = 0; l < L; l++) assert.deepEqual(fx.Y[l]!.slice((T - 1) * B * H), fx.hT[l]);
      });

      it('stored loss agrees with stored logits and targets', () => {
        let loss = 0;
        if (c.kind === 'char') {
          for (let n = 0; n < T * B; n++) {
            const row = fx.logits.slice(n * O, (n + 1) * O);
            const m = Math.max(...row);
            const lse = m + Math.log(row.reduce((a, x) => a + Math.exp(x - m), 0));
            loss += lse - row[fx.targets[n]!]!;
          }
          loss /= T * B;
        } else {
          for (let i = 0; i < T * B * O; i++) loss += (fx.logits[i]! - fx.targets[i]!) ** 2;
          loss /= T * B * O;
        }
        assert.ok(Math.abs(loss - fx.loss) < 1e-12, `recomputed ${loss} vs stored ${fx.loss}`);
      });
    });
  }
});
