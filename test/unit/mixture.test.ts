/**
 * The autocomplete's mixture of experts: the n-gram's whole distribution equals its per-character probability, the
 * gate learns when to trust which expert (and so beats one fixed weight), and the mixture stepper returns proper
 * log-probabilities that follow the text it reads.
 */
import assert from 'node:assert/strict';
import { fitGate, GATE_FEATURES, gateLogLik, type GateSample } from '../../src/engine/mixture';
import { CharNgram } from '../../src/engine/ngram';
import { Rng } from '../../src/engine/rng';
import type { TokenStepper } from '../../src/onnx/decode';
import { MixtureStepper } from '../../src/worker/completion/mixture';

describe('autocomplete: mixture of experts', () => {
  const V = 6;
  const text = Array.from({ length: 3000 }, (_, i) => (i % 7 === 0 ? 5 : (i * 3) % 5));
  const ng = new CharNgram(V, 4);
  ng.train(text);

  it("the n-gram's distribution is its prob() for every id, sums to 1, and says the order it matched", () => {
    const out = new Float64Array(V);
    for (const end of [0, 1, 3, 50, 2999]) {
      const matched = ng.distribution(text, end, out);
      for (let c = 0; c < V; c++) assert.ok(Math.abs(out[c]! - ng.prob(text, end, c)) < 1e-12, `end ${end}, id ${c}`);
      assert.ok(Math.abs(out.reduce((a, b) => a + b, 0) - 1) < 1e-9);
      assert.equal(matched, Math.min(3, end));
    }
  });

  it('the gate learns which expert to trust from the features, and beats the best fixed weight', () => {
    // expert A is right where feature 3 is high, expert B where it is low
    const rng = new Rng(3);
    const samples: GateSample[] = Array.from({ length: 2000 }, () => {
      const f = new Float64Array(GATE_FEATURES);
      f[0] = 1;
      f[3] = rng.next();
      const aRight = rng.next() < f[3]!;
      return { f, pl: aRight ? 0.9 : 0.05, pn: aRight ? 0.05 : 0.9 };
    });
    const gate = fitGate(samples),
      fixed = fitGate(samples, { fixed: true });
    assert.ok(gate.theta[3]! > 1, `theta ${gate.theta}`);
    assert.deepEqual(fixed.theta.slice(1), [0, 0, 0, 0, 0], 'the fixed baseline has only a bias');
    assert.ok(gateLogLik(gate, samples) > gateLogLik(fixed, samples) + 0.05, `${gateLogLik(gate, samples)} vs ${gateLogLik(fixed, samples)}`);
  });

  it('the mixture stepper returns log-probabilities that sum to 1, and a fork goes its own way', async () => {
    // an "LSTM" that always says uniform: the mixture then leans on what the n-gram knows
    const uniform: TokenStepper = { prime: () => new Float32Array(V), step: () => new Float32Array(V), fork: () => uniform };
    const m = new MixtureStepper(uniform, ng, { theta: [0, 0, 0, 0, 0, 0] });
    const lp = await m.prime(text.slice(0, 20));
    assert.ok(Math.abs(Array.from(lp, Math.exp).reduce((a, b) => a + b, 0) - 1) < 1e-5);
    const best = lp.indexOf(Math.max(...lp));
    assert.equal(best, text[20], 'the n-gram knows the next id of this periodic text');
    const f = m.fork();
    const a = await f.step(text[20]!),
      b = await m.step((text[20]! + 1) % V);
    assert.notDeepEqual(Array.from(a), Array.from(b), 'the fork read another id');
  });
});
