/**
 * The inference worker's insight requests (src/worker/insight/handlers.ts) on a real session: the happy paths give
 * what the panel draws, and bad requests get one user-facing message.
 */
import assert from 'node:assert/strict';
import { Vocab } from '../../src/data/vocab';
import { charConfig } from '../../src/engine/config';
import { Model } from '../../src/engine/model';
import { Rng } from '../../src/engine/rng';
import { extractHidden } from '../../src/worker/hiddenStates';
import { insightHandlers, type HiddenSession } from '../../src/worker/insight/handlers';

async function session(hidden: number): Promise<HiddenSession> {
  const text = 'the "quick" brown fox (jumps) over the lazy dog\n'.repeat(8);
  const vocab = Vocab.fromText(text);
  const model = new Model(charConfig({ cell: 'lstm', hidden, emb: 4, vocab: vocab.size }));
  model.initParams(new Rng(2));
  const ids = vocab.encode(text);
  return { model, vocab, text, ids, store: await extractHidden(model, ids, 100) };
}

const userFacing = (re: RegExp) => (e: unknown) => e instanceof Error && (e as { userFacing?: boolean }).userFacing === true && re.test(e.message);

describe('insight: the worker’s requests', () => {
  it('answer the panel with what it draws', async () => {
    const s = await session(6);
    const h = insightHandlers(
      () => s,
      async (m, ids) => extractHidden(m, ids, 100),
    );
    const T = s.ids.length;
    const p = await h['infer/project']({ layer: 0, signal: 'h', method: 'pca' });
    assert.equal(p.coords.length, 2 * T);
    assert.equal(p.index, null);
    const n = await h['infer/neighbours']({ layer: 0, signal: 'c', positions: [5, 6], k: 4 });
    assert.equal(n.length, 4);
    const sal = await h['infer/saliency']({ position: 40, method: 'gradient' });
    assert.equal(sal.start + sal.scores.length, 41);
    assert.equal(typeof sal.target, 'string');
    const ab = await h['infer/ablate']({ layer: 0, units: [0, 1], mode: 'mean', prompt: 'the ', length: 30, seed: 1 });
    assert.equal(ab.before.length, T - 1);
    assert.equal(ab.textAfter.length, 30);
    const feature = Float32Array.from(s.text, (c) => (c === 'o' ? 1 : 0));
    const pr = await h['infer/probe']({ layer: 0, signal: 'h', feature });
    assert.equal(pr.kind, 'binary');
  });

  it('refuse bad requests with one message for the user', async () => {
    const s = await session(6);
    const h = insightHandlers(
      () => s,
      async (m, ids) => extractHidden(m, ids, 100),
    );
    await assert.rejects(async () => h['infer/saliency']({ position: 10_000, method: 'gradient' }), userFacing(/outside the read text/));
    await assert.rejects(
      async () => h['infer/ablate']({ layer: 0, units: [6], mode: 'zero', prompt: 'a', length: 5, seed: 1 }),
      userFacing(/Unit 6 does not exist/),
    );
    await assert.rejects(
      async () => h['infer/ablate']({ layer: 0, units: [], mode: 'zero', prompt: 'a', length: 5, seed: 1 }),
      userFacing(/at least one unit/),
    );
    await assert.rejects(async () => h['infer/probe']({ layer: 0, signal: 'h', feature: new Float32Array(3) }), userFacing(/one value per character/));
    await assert.rejects(async () => h['infer/neighbours']({ layer: 0, signal: 'h', positions: [99_999], k: 3 }), userFacing(/outside the read text/));
    await assert.rejects(async () => h['infer/project']({ layer: 0, signal: 'z', method: 'pca' }), userFacing(/no signal z/));
    const one = await session(1);
    const h1 = insightHandlers(
      () => one,
      async (m, ids) => extractHidden(m, ids, 100),
    );
    await assert.rejects(async () => h1['infer/project']({ layer: 0, signal: 'h', method: 'pca' }), userFacing(/at least 2 units/));
    const none = insightHandlers(
      () => undefined,
      async (m, ids) => extractHidden(m, ids, 100),
    );
    await assert.rejects(async () => none['infer/project']({ layer: 0, signal: 'h', method: 'pca' }), userFacing(/Run the model over a text first/));
  });
});
