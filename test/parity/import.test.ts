/**
 * Importing a foreign ONNX char model: the PyTorch-exported fixture (test/parity/gen_import_fixture.py) loads,
 * its logits match PyTorch's, it steps one character at a time, exposes Y for heatmaps, and misfits are explained.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { decodeModel, encodeModel } from '../../src/onnx/proto';
import { ModelImportError, prepareModel, vocabFromFile } from '../../src/onnx/import';
import { OnnxModel } from '../../src/onnx/runtime';
import { beamSearch, sampleText } from '../../src/onnx/decode';
import { Vocab } from '../../src/data/vocab';
import { charConfig } from '../../src/engine/config';
import { Model } from '../../src/engine/model';
import { Rng } from '../../src/engine/rng';
import { buildModel } from '../../src/onnx/export';

const DIR = path.join(__dirname, '..', 'fixtures', 'onnx');
const bytes = fs.readFileSync(path.join(DIR, 'torch_char_lstm.onnx'));
const ref = JSON.parse(fs.readFileSync(path.join(DIR, 'torch_char_lstm.json'), 'utf8')) as {
  vocab: string;
  layers: number;
  hidden: number;
  T: number;
  B: number;
  tokens: number[];
  h0: number[];
  c0: number[];
  logits: number[];
  hN: number[];
  cN: number[];
};
const vocab = Array.from(ref.vocab, (ch) => ch.codePointAt(0)!);
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
};

describe('import: PyTorch-exported char LSTM', () => {
  it('finds the token input, stacked states, logits and the LSTM hidden sequences', () => {
    const { info, bytes: out } = prepareModel(bytes, { vocab });
    assert.equal(info.ours, false);
    assert.equal(info.producer, 'pytorch');
    assert.equal(info.opset, 14);
    const s = info.signature;
    assert.equal(s.input, 'tokens');
    assert.equal(s.inputType, 'int64');
    assert.equal(s.logits, 'logits');
    assert.equal(s.outputs, vocab.length);
    assert.deepEqual(s.states, [
      { input: 'h0', output: 'hN', n: 2, hidden: 12 },
      { input: 'c0', output: 'cN', n: 2, hidden: 12 },
    ]);
    assert.equal(s.Y.length, 2);
    // the rewritten bytes keep everything and add the Y outputs
    const m = decodeModel(out);
    assert.deepEqual(m.graph!.output!.map((o) => o.name).slice(0, 3), ['logits', 'hN', 'cN']);
    assert.equal(m.graph!.output!.length, 5);
    assert.equal(m.graph!.initializer!.length, decodeModel(bytes).graph!.initializer!.length);
  });

  it('its logits and final states match what PyTorch computed', async () => {
    const m = await OnnxModel.load(bytes, { vocab });
    try {
      const r = await m.run(ref.tokens, ref.T, ref.B, { h0: Float32Array.from(ref.h0), c0: Float32Array.from(ref.c0) }, { Y: true });
      assert.ok(maxDiff(r.logits, ref.logits) < 1e-5, `logits ${maxDiff(r.logits, ref.logits)}`);
      assert.ok(maxDiff(r.state.h0!, ref.hN) < 1e-5);
      assert.ok(maxDiff(r.state.c0!, ref.cN) < 1e-5);
      // Y of the top layer at the last step is hN of layer 1
      const Y1 = r.Y![1]!,
        BH = ref.B * ref.hidden;
      assert.equal(Y1.length, ref.T * BH);
      assert.ok(maxDiff(Y1.subarray((ref.T - 1) * BH), ref.hN.slice(BH)) < 1e-6);
    } finally {
      await m.dispose();
    }
  });

  it('steps one character at a time like one call, and generates text', async () => {
    const m = await OnnxModel.load(bytes, { vocab });
    try {
      const v = Vocab.fromJSON(vocab);
      const ids = Array.from(v.encode('hello there, wise sir.'));
      const whole = await m.run(ids, ids.length, 1);
      const s = m.stepper();
      let last = await s.prime(ids.slice(0, 5));
      for (let t = 5; t < ids.length; t++) last = await s.step(ids[t]!);
      const V = vocab.length;
      assert.ok(maxDiff(last, whole.logits.subarray((ids.length - 1) * V)) < 1e-5);
      const g = await sampleText(s, last, v, { length: 30, seed: 3 });
      assert.equal(Array.from(g.text).length, 30);
      for (const ch of g.text) assert.ok(ref.vocab.includes(ch));
    } finally {
      await m.dispose();
    }
  });

  it('batched beam search (stacked [2,B,12] states) equals one-beam-at-a-time', async () => {
    const m = await OnnxModel.load(bytes, { vocab });
    try {
      const v = Vocab.fromJSON(vocab);
      const s = m.stepper();
      const first = await s.prime(v.encode('hello the'));
      const a = await beamSearch(s.fork(), first, v, { width: 4, length: 12 });
      const b = await beamSearch(s.fork(), first, v, { width: 4, length: 12, batch: false });
      assert.deepEqual(
        a.map((h) => h.text),
        b.map((h) => h.text),
      );
      for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]!.logProb - b[i]!.logProb) < 1e-4);
      assert.equal(Array.from(a[0]!.text).length, 12);
    } finally {
      await m.dispose();
    }
  });

  it('says exactly what does not fit', () => {
    assert.throws(
      () => prepareModel(bytes),
      (e: Error) => e instanceof ModelImportError && /no vocabulary/.test(e.message) && /--vocab/.test(e.message),
    );
    assert.throws(
      () => prepareModel(bytes, { vocab: vocab.slice(0, 10) }),
      /no logits output \[T,B,10\] matching the 10-character vocabulary; float rank-3 outputs are logits \(float \[T,B,19\]\)/,
    );
    // drop the c0 input's paired output: the state cannot be carried
    const m = decodeModel(bytes);
    m.graph!.output = m.graph!.output!.filter((o) => o.name !== 'cN');
    assert.throws(() => prepareModel(encodeModel(m), { vocab }), /state input c0 \(float \[2,B,12\]\) has no matching output \[2,B,12\]/);
  });
});

describe('import: a stateless foreign model', () => {
  it('steps by re-running its history, equal to one call', async () => {
    // our exporter's graph, made foreign: no metadata, no state inputs or outputs
    const c = charConfig({ cell: 'gru', layers: 1, hidden: 8, emb: 4, vocab: 6 });
    const em = new Model(c);
    em.initParams(new Rng(5));
    const m = buildModel(c, Float32Array.from(em.params.data));
    m.metadataProps = [];
    m.graph!.input = m.graph!.input!.filter((i) => i.name === 'tokens');
    m.graph!.output = m.graph!.output!.filter((o) => o.name === 'logits');
    const gru = m.graph!.node!.find((n) => n.opType === 'GRU')!;
    gru.input = gru.input!.slice(0, 4);
    gru.output = [gru.output![0]!];
    const om = await OnnxModel.load(encodeModel(m), { vocab: [97, 98, 99, 100, 101, 102] });
    try {
      assert.equal(om.signature.states.length, 0);
      const ids = [1, 5, 0, 3, 3, 2, 4];
      const whole = await om.run(ids, ids.length, 1);
      const s = om.stepper();
      let last = await s.prime(ids.slice(0, 2));
      for (let t = 2; t < ids.length; t++) last = await s.step(ids[t]!);
      assert.ok(maxDiff(last, whole.logits.subarray(6 * 6)) < 1e-6);
      // and it matches our engine from a zero state
      const lg = em.forward(ids, ids.length, 1, em.newState(1), false, null);
      assert.ok(maxDiff(whole.logits, lg.subarray(0, ids.length * 6)) < 1e-5);
    } finally {
      await om.dispose();
    }
  });
});

describe('import: fixed dimensions', () => {
  it('a model exported with a fixed batch refuses another batch size before run()', async () => {
    const m = decodeModel(bytes);
    const tok = m.graph!.input!.find((i) => i.name === 'tokens')!;
    tok.type!.tensorType!.shape!.dim![1] = { dimValue: 2 };
    const om = await OnnxModel.load(encodeModel(m), { vocab });
    try {
      assert.equal(om.signature.fixedB, 2);
      assert.equal(om.signature.fixedT, null);
      await assert.rejects(om.run([0, 1, 2], 3, 1), /only takes a batch of exactly 2 \(got B=1\)/);
      const r = await om.run(ref.tokens, ref.T, ref.B, { h0: Float32Array.from(ref.h0), c0: Float32Array.from(ref.c0) });
      assert.ok(maxDiff(r.logits, ref.logits) < 1e-5);
    } finally {
      await om.dispose();
    }
  });
});

describe('import: vocabulary files', () => {
  it('reads JSON lists of characters or code points, JSON strings, and text files', () => {
    assert.deepEqual(vocabFromFile('["a","b","\\n"]', 'v.json'), [97, 98, 10]); // order kept
    assert.deepEqual(vocabFromFile('[97, 128512]', 'v.json'), [97, 128512]);
    assert.deepEqual(vocabFromFile('"ba"', 'v.json'), [98, 97]);
    assert.deepEqual(vocabFromFile('hello\n', 'corpus.txt'), [10, 101, 104, 108, 111]); // distinct, sorted
    assert.throws(() => vocabFromFile('["ab"]', 'v.json'), /entry 0 \("ab"\) is not a single character/);
    assert.throws(() => vocabFromFile('["a","a"]', 'v.json'), /v.json: .*twice/);
    assert.throws(() => vocabFromFile('[1,', 'v.json'), /v.json is not valid JSON/);
  });
});
