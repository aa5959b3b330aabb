/** The character n-gram baseline (src/engine/ngram.ts): normalized, backs off, learns what it saw. */
import * as assert from 'node:assert/strict';
import { CharNgram } from '../../src/engine/ngram';

describe('char n-gram baseline', () => {
  const V = 6;
  const ids = Array.from({ length: 600 }, (_, i) => [0, 1, 2, 3][i % 4]!); // 0 1 2 3 0 1 2 3 …
  it('probabilities over the vocabulary sum to 1, for seen and unseen contexts', () => {
    const m = new CharNgram(V, 5);
    m.train(ids);
    for (const ctx of [[0, 1, 2], [5, 5, 5, 5], [], [3]]) {
      let s = 0;
      for (let c = 0; c < V; c++) s += m.prob(ctx, ctx.length, c);
      assert.ok(Math.abs(s - 1) < 1e-9, `sum ${s} for ${ctx}`);
    }
  });
  it('predicts a learned pattern almost surely, backs off for an unseen context', () => {
    const m = new CharNgram(V, 5);
    m.train(ids);
    assert.ok(m.prob([0, 1, 2], 3, 3) > 0.99);
    assert.deepEqual(m.best([0, 1, 2], 3).id, 3);
    assert.equal(m.best([4, 4, 4, 0], 4).id, 1, 'unseen 4-gram context: the order-2 context "0" still says 1');
    const e = m.evaluate(ids.slice(0, 100));
    assert.ok(e.accuracy > 0.97 && e.bpc < 0.2, JSON.stringify(e));
  });
  it('a unigram model knows only frequencies', () => {
    const m = new CharNgram(V, 1);
    m.train([0, 0, 0, 1]);
    assert.ok(m.prob([1], 1, 0) > m.prob([1], 1, 1));
    assert.throws(() => new CharNgram(V, 0), /order/);
  });
});
