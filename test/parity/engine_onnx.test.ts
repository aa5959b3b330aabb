/**
 * Engine vs onnxruntime-node on the exported model: RNN/LSTM/GRU, 1–3 layers, batch 1 and 4, a long sequence
 * (T=512), regression models, and state carried across calls. Export-time parity fails loudly.
 */
import assert from 'node:assert/strict';
import { type CellType, charConfig, regressionConfig } from '../../src/engine/config';
import { Model } from '../../src/engine/model';
import { Rng } from '../../src/engine/rng';
import { exportOnnx } from '../../src/onnx/export';
import { OnnxModel, type State } from '../../src/onnx/runtime';
import { ExportParityError, PARITY_TOLERANCE, checkParity, exportVerified } from '../../src/onnx/verify';

const CELLS: CellType[] = ['rnn', 'lstm', 'gru'];

function initParams(c: ReturnType<typeof charConfig>, seed: number): Float32Array {
  const m = new Model(c);
  m.initParams(new Rng(seed));
  return Float32Array.from(m.params.data);
}

describe('engine vs onnxruntime-node parity', () => {
  for (const cell of CELLS) {
    for (const layers of [1, 2, 3]) {
      it(`${cell} x${layers}: batch 1 and batch 4 within ${PARITY_TOLERANCE}`, async () => {
        const c = charConfig({ cell, layers, hidden: 24, emb: 10, vocab: 30 });
        const p = initParams(c, layers);
        const bytes = exportOnnx(c, p, { vocab: Array.from({ length: 30 }, (_, i) => 65 + i) });
        for (const B of [1, 4]) {
          const r = await checkParity(c, p, bytes, { T: 40, B, seed: B });
          assert.ok(r.maxDiff <= PARITY_TOLERANCE, `B=${B}: ${r.maxDiff} on ${r.worst}`);
        }
      });
    }
    it(`${cell}: a long sequence (T=512, 2 layers)`, async () => {
      const c = charConfig({ cell, layers: 2, hidden: 32, emb: 8, vocab: 20 });
      const p = initParams(c, 7);
      const r = await checkParity(c, p, exportOnnx(c, p, { vocab: Array.from({ length: 20 }, (_, i) => 97 + i) }), { T: 512, B: 1 });
      assert.ok(r.maxDiff <= PARITY_TOLERANCE, `${r.maxDiff} on ${r.worst}`);
    });
    it(`${cell}: regression model (F=3, O=2, 2 layers)`, async () => {
      const c = regressionConfig({ cell, layers: 2, hidden: 16, features: 3, outputs: 2 });
      const p = initParams(c, 3);
      const r = await checkParity(c, p, exportOnnx(c, p), { T: 50, B: 4 });
      assert.ok(r.maxDiff <= PARITY_TOLERANCE, `${r.maxDiff} on ${r.worst}`);
    });
  }

  it('state carried across calls agrees (engine state vs onnxruntime state, 3 calls)', async () => {
    for (const cell of CELLS) {
      const c = charConfig({ cell, layers: 2, hidden: 16, emb: 6, vocab: 12 });
      const p = initParams(c, 21);
      const engine = new Model(c, { params: p });
      const m = await OnnxModel.load(exportOnnx(c, p, { vocab: Array.from({ length: 12 }, (_, i) => 97 + i) }));
      try {
        const rng = new Rng(4);
        const B = 3;
        const es = engine.newState(B);
        let os: State | undefined;
        for (const T of [7, 1, 20]) {
          const ids = Array.from({ length: T * B }, () => rng.int(12));
          const want = engine.forward(ids, T, B, es, false, null);
          const got = await m.run(ids, T, B, os);
          os = got.state;
          let d = 0;
          for (let i = 0; i < T * B * 12; i++) d = Math.max(d, Math.abs(want[i]! - got.logits[i]!));
          assert.ok(d <= PARITY_TOLERANCE, `${cell} T=${T}: ${d}`);
        }
      } finally {
        await m.dispose();
      }
    }
  });

  it('export fails loudly when the runtimes disagree', async () => {
    const c = charConfig({ cell: 'lstm', layers: 1, hidden: 8, emb: 4, vocab: 5 });
    const p = initParams(c, 1);
    const wrong = p.slice();
    wrong[c.vocab * c.emb + 3]! += 0.5; // perturb W0 in the exported copy only
    const r = await checkParity(c, p, exportOnnx(c, wrong));
    assert.ok(r.maxDiff > 1e-3, `perturbed export should disagree (got ${r.maxDiff})`);
    const ok = await exportVerified(c, p, { vocab: [97, 98, 99, 100, 101] });
    assert.ok(ok.parity.maxDiff <= PARITY_TOLERANCE && ok.bytes.length > 100);
    await assert.rejects(
      exportVerified(c, p, {}, { tolerance: -1 }),
      (e: Error) => e instanceof ExportParityError && /failed its parity check/.test(e.message) && /was not exported/.test(e.message),
    );
  });
});
