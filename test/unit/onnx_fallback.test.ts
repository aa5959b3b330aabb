/** The TS-engine path: weights read back from ONNX initializers, EngineStepper, and openInference on both engines. */
import assert from 'node:assert/strict';
import { charConfig } from '../../src/engine/config';
import { Model } from '../../src/engine/model';
import { Rng } from '../../src/engine/rng';
import { exportOnnx } from '../../src/onnx/export';
import { EngineStepper, openInference, paramsFromOnnx, resetFallbackWarning } from '../../src/onnx/fallback';
import { setOrtUnavailableForTests } from '../../src/onnx/runtime';
import { beamSearch, sampleText } from '../../src/onnx/decode';
import { ModelImportError } from '../../src/onnx/import';
import { encodeModel } from '../../src/onnx/proto';

const codec = { decode: (ids: ArrayLike<number>) => String.fromCodePoint(...Array.from(ids, (i) => 97 + i)) };

describe('TS engine fallback', () => {
  const c = charConfig({ cell: 'gru', layers: 2, hidden: 16, emb: 6, vocab: 9 });
  const m = new Model(c);
  m.initParams(new Rng(2));
  const params = Float32Array.from(m.params.data);
  const vocab = Array.from({ length: 9 }, (_, i) => 97 + i);
  const bytes = exportOnnx(c, params, { vocab, card: { steps: 3 } });

  it('reads the flat parameters back from the ONNX initializers bit for bit', () => {
    const r = paramsFromOnnx(bytes);
    assert.deepEqual(r.config, c);
    assert.deepEqual(Array.from(r.params), Array.from(params));
    assert.deepEqual(r.vocab, vocab);
    const foreign = encodeModel({ irVersion: 8, graph: { name: 'x' } });
    assert.throws(() => paramsFromOnnx(foreign), ModelImportError);
  });

  it('EngineStepper forks independently and matches a whole-sequence forward', () => {
    const s = new EngineStepper(new Model(c, { params }));
    const ids = [1, 4, 2, 8, 0, 3];
    s.prime(ids.slice(0, 3));
    const f = s.fork();
    const a = s.step(8);
    const b = f.step(8);
    assert.deepEqual(Array.from(a), Array.from(b));
    const whole = new Model(c, { params });
    const lg = whole.forward(ids.slice(0, 4), 4, 1, whole.newState(1), false, null);
    for (let v = 0; v < 9; v++) assert.ok(Math.abs(lg[3 * 9 + v]! - a[v]!) < 1e-6);
  });

  it('openInference: onnx and ts engines give the same greedy text and beam', async () => {
    const out: string[] = [];
    for (const engine of ['onnx', 'ts'] as const) {
      const h = await openInference(bytes, { engine });
      try {
        assert.equal(h.engine, engine);
        assert.equal(h.info.vocabSize, 9);
        assert.deepEqual(h.info.card, { steps: 3 });
        const s = h.stepper();
        const first = await s.prime([0, 1, 2]);
        const g = await sampleText(s.fork(), first, codec, { length: 20, greedy: true });
        const beam = await beamSearch(s.fork(), first, codec, { width: 3, length: 8 });
        const seq = await beamSearch(s, first, codec, { width: 3, length: 8, batch: false });
        assert.deepEqual(
          beam.map((h) => h.text),
          seq.map((h) => h.text),
          `${engine}: batched beams differ`,
        );
        out.push(`${g.text}|${beam[0]!.text}`);
      } finally {
        await h.dispose();
      }
    }
    assert.equal(out[0], out[1]);
  });

  it('falls back to the TS engine with exactly one warning when onnxruntime cannot load', async () => {
    const warnings: string[] = [];
    resetFallbackWarning();
    setOrtUnavailableForTests('onnxruntime-node could not be loaded on this platform (test)');
    try {
      for (let i = 0; i < 2; i++) {
        const h = await openInference(bytes, { warn: (w) => warnings.push(w) });
        assert.equal(h.engine, 'ts');
        assert.ok(h.ts && !h.onnx);
        await h.dispose();
      }
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!, /could not be loaded.*Falling back to the TypeScript engine/);
    } finally {
      setOrtUnavailableForTests(null);
      resetFallbackWarning();
    }
    const h = await openInference(bytes);
    assert.equal(h.engine, 'onnx');
    await h.dispose();
  });
});
