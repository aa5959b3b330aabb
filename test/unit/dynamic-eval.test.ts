/** Dynamic evaluation (src/worker/completion/dynamicEval.ts): no steps is the static score; steps adapt to a document. */
import assert from 'node:assert/strict';
import { charConfig } from '../../src/engine/config';
import { Model } from '../../src/engine/model';
import { Rng } from '../../src/engine/rng';
import { dynamicEval } from '../../src/worker/completion/dynamicEval';

describe('autocomplete: dynamic evaluation', () => {
  const model = () => {
    const m = new Model(charConfig({ cell: 'lstm', hidden: 24, emb: 8, vocab: 12 }));
    m.initParams(new Rng(4));
    return m;
  };
  // a document that repeats one phrase: what a model adapting to it must learn
  const doc = Int32Array.from({ length: 1200 }, (_, i) => [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5][i % 11]!);

  it('with a learning rate of 0 it is the static score, and the trained weights are kept', () => {
    const m = model();
    const before = Float32Array.from(m.params.data);
    const r = dynamicEval(m, [doc], { lr: 0 });
    assert.ok(Math.abs(r.dynamicBits - r.staticBits) < 1e-9, `${r.dynamicBits} vs ${r.staticBits}`);
    assert.deepEqual(m.params.data, before);
  });

  it('learns the document it reads: far fewer bits than the static model on a repeated phrase', () => {
    const m = model();
    const before = Float32Array.from(m.params.data);
    const r = dynamicEval(m, [doc], { lr: 0.5, seg: 32, clip: 5 });
    assert.equal(r.chars, doc.length - 1);
    assert.ok(r.dynamicBits < 0.7 * r.staticBits, `dynamic ${r.dynamicBits} vs static ${r.staticBits}`);
    assert.deepEqual(m.params.data, before, 'each document starts from the trained weights');
  });
});
