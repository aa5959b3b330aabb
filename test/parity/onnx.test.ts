/**
 * Export → onnxruntime-node parity against the PyTorch goldens, stepping, metadata round trip, the PyTorch-exported
 * import fixture, and clear errors for bad files and bad tensors.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ModelConfig } from '../../src/engine/config';
import { paramLayout } from '../../src/engine/params';
import { Rng } from '../../src/engine/rng';
import { exportOnnx, buildModel } from '../../src/onnx/export';
import { CRC_KEY, withChecksum } from '../../src/onnx/checksum';
import { decodeModel, metadataOf, encodeModel } from '../../src/onnx/proto';
import { OnnxModel, SessionCache, type State } from '../../src/onnx/runtime';
import { InferenceInputError, ModelLoadError } from '../../src/onnx/errors';

interface Fixture {
  config: ModelConfig;
  T: number;
  B: number;
  inputs: number[];
  h0: number[][];
  c0?: number[][];
  params: Record<string, number[]>;
  logits: number[];
  hT: number[][];
  cT?: number[][];
  Y: number[][];
}
const PARITY = path.join(__dirname, '..', 'fixtures', 'parity');
const load = (f: string) => JSON.parse(fs.readFileSync(path.join(PARITY, f), 'utf8')) as Fixture;

function flatParams(fx: Fixture): Float32Array {
  const { entries, total } = paramLayout(fx.config);
  const p = new Float32Array(total);
  for (const e of entries) p.set(fx.params[e.name]!, e.offset);
  return p;
}
function fixtureState(fx: Fixture): State {
  const s: State = {};
  fx.h0.forEach((h, l) => {
    s[`h0_${l}`] = Float32Array.from(h);
  });
  fx.c0?.forEach((c, l) => {
    s[`c0_${l}`] = Float32Array.from(c);
  });
  return s;
}
function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'length');
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}
const vocabOf = (V: number) => Array.from({ length: V }, (_, i) => 97 + i);

describe('ONNX export + onnxruntime-node vs PyTorch goldens', () => {
  for (const file of fs
    .readdirSync(PARITY)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    it(`${file}: logits, final states and every layer's Y agree to 1e-5`, async () => {
      const fx = load(file);
      const bytes = exportOnnx(fx.config, flatParams(fx), fx.config.kind === 'char' ? { vocab: vocabOf(fx.config.vocab) } : { norm: { mean: [0], std: [1] } });
      const m = await OnnxModel.load(bytes);
      try {
        const r = await m.run(fx.inputs, fx.T, fx.B, fixtureState(fx), { Y: true });
        assert.ok(maxDiff(r.logits, fx.logits) < 1e-5, `logits differ by ${maxDiff(r.logits, fx.logits)}`);
        for (let l = 0; l < fx.config.layers; l++) {
          assert.ok(maxDiff(r.state[`h0_${l}`]!, fx.hT[l]!) < 1e-5, `hT_${l}`);
          if (fx.cT) assert.ok(maxDiff(r.state[`c0_${l}`]!, fx.cT[l]!) < 1e-5, `cT_${l}`);
          assert.ok(maxDiff(r.Y![l]!, fx.Y[l]!) < 1e-5, `Y_${l}`);
        }
        // and the zero-state run differs (the initial state is really used)
        const z = await m.run(fx.inputs, fx.T, fx.B);
        assert.ok(maxDiff(z.logits, fx.logits) > 1e-3);
      } finally {
        await m.dispose();
      }
    });
  }
});

describe('ONNX runtime: stepping and state', () => {
  for (const file of ['char_lstm_l2.json', 'char_gru_l2.json', 'char_rnn_l1.json']) {
    it(`${file}: stepping one token at a time equals one call on the whole sequence`, async () => {
      const fx = load(file);
      const m = await OnnxModel.load(exportOnnx(fx.config, flatParams(fx), { vocab: vocabOf(fx.config.vocab) }));
      try {
        const rng = new Rng(5);
        const ids = Array.from({ length: 40 }, () => rng.int(fx.config.vocab));
        const whole = await m.run(ids, ids.length, 1);
        const V = fx.config.vocab;
        const s = m.stepper();
        // prime on the first 10 in one call, then one at a time
        let last = await s.prime(ids.slice(0, 10));
        assert.ok(maxDiff(last, whole.logits.subarray(9 * V, 10 * V)) < 1e-5);
        for (let t = 10; t < ids.length; t++) {
          last = await s.step(ids[t]!);
          assert.ok(maxDiff(last, whole.logits.subarray(t * V, (t + 1) * V)) < 1e-5, `step ${t}`);
        }
        for (const k of Object.keys(whole.state)) assert.ok(maxDiff(s.state[k]!, whole.state[k]!) < 1e-5, k);
        // a fork continues independently
        const f = s.fork();
        const a = await f.step(0);
        const b = await s.step(0);
        assert.ok(maxDiff(a, b) === 0);
      } finally {
        await m.dispose();
      }
    });
  }

  it('state carried across calls equals one call (batch 3, T split 2+2)', async () => {
    const fx = load('char_lstm_l2.json');
    const m = await OnnxModel.load(exportOnnx(fx.config, flatParams(fx), { vocab: vocabOf(fx.config.vocab) }));
    try {
      const { T, B } = fx;
      const r1 = await m.run(fx.inputs.slice(0, 2 * B), 2, B, fixtureState(fx));
      const r2 = await m.run(fx.inputs.slice(2 * B), T - 2, B, r1.state);
      assert.ok(maxDiff(r2.logits, fx.logits.slice(2 * B * fx.config.vocab)) < 1e-5);
    } finally {
      await m.dispose();
    }
  });
});

describe('ONNX export metadata', () => {
  it('round-trips format, config, vocab, card and norm through the decoder', () => {
    const fx = load('reg_lstm_l2.json');
    const card = { steps: 300, bestValLoss: 0.123, data: { files: ['x.csv'], bytes: 1234 } };
    const norm = { mean: [1.5, 2], std: [0.5, 3] };
    const m = decodeModel(exportOnnx(fx.config, flatParams(fx), { card, norm }));
    const meta = metadataOf(m);
    assert.equal(meta['seqlab.format'], '2');
    assert.match(meta['seqlab.crc32']!, /^[0-9a-f]{8}$/, 'the file ends with its checksum');
    assert.deepEqual(JSON.parse(meta['seqlab.config']!), fx.config);
    assert.deepEqual(JSON.parse(meta['seqlab.card']!), card);
    assert.deepEqual(JSON.parse(meta['seqlab.norm']!), norm);
    assert.equal(meta['seqlab.vocab'], undefined);
    assert.equal(m.opsetImport![0]!.version, 14);
    const fc = load('char_gru_l1.json');
    const vocab = [10, 32, 0x1f600, 0x4e2d, 97, 98, 99];
    const mc = decodeModel(exportOnnx(fc.config, flatParams(fc), { vocab }));
    assert.deepEqual(JSON.parse(metadataOf(mc)['seqlab.vocab']!), vocab);
    const gru = mc.graph!.node!.find((n) => n.opType === 'GRU')!;
    assert.equal(gru.attribute!.find((a) => a.name === 'linear_before_reset')!.i, 1);
    assert.equal(gru.attribute!.find((a) => a.name === 'layout')!.i ?? 0, 0); // protobuf elides the default 0
  });

  it('initializers are the flat parameters, bit for bit', () => {
    const fx = load('char_lstm_l1.json');
    const p = flatParams(fx);
    const m = buildModel(fx.config, p, { vocab: vocabOf(7) });
    const w = m.graph!.initializer!.find((t) => t.name === 'W0')!;
    assert.deepEqual(w.dims, [1, 24, 5]);
    const view = new Float32Array(w.rawData!.buffer.slice(w.rawData!.byteOffset, w.rawData!.byteOffset + w.rawData!.byteLength));
    assert.deepEqual(Array.from(view), Array.from(p.subarray(7 * 5, 7 * 5 + 24 * 5)));
  });

  it('rejects a vocabulary that does not match the config', () => {
    const fx = load('char_rnn_l1.json');
    assert.throws(() => exportOnnx(fx.config, flatParams(fx), { vocab: [97, 98] }), /vocabulary has 2 characters but the model expects 7/);
    assert.throws(() => exportOnnx(fx.config, new Float32Array(3)), /parameter buffer has 3 values/);
  });
});

describe('ONNX runtime: validation and load errors', () => {
  let m: OnnxModel;
  const fx = load('char_lstm_l1.json');
  before(async () => {
    m = await OnnxModel.load(exportOnnx(fx.config, flatParams(fx), { vocab: vocabOf(7) }));
  });
  after(async () => {
    await m.dispose();
  });

  it('rejects bad tensors before run() with readable messages', async () => {
    await assert.rejects(
      m.run([0, 1, 7], 3, 1),
      (e: Error) => e instanceof InferenceInputError && /token id 7 at position 2 is outside the vocabulary 0..6/.test(e.message),
    );
    await assert.rejects(m.run([0, -1], 2, 1), /token id -1/);
    await assert.rejects(m.run([0, 1.5], 2, 1), /token id 1.5/);
    await assert.rejects(m.run([0, 1, 2], 2, 1), /expected 2 token ids for T=2, B=1, got 3/);
    await assert.rejects(m.run([0], 0, 1), /T must be a positive integer/);
    await assert.rejects(m.run([0, 1], 1, 2, { h0_0: new Float32Array(6), c0_0: new Float32Array(12) }), /state h0_0 has 6 values, expected 1x2x6 = 12/);
    await assert.rejects(m.run([0], 1, 1, { h0_0: new Float32Array(6) }), /state c0_0 is missing/);
    const nan = new Float32Array(6);
    nan[2] = NaN;
    await assert.rejects(m.run([0], 1, 1, { h0_0: nan, c0_0: new Float32Array(6) }), /non-finite/);
    // still healthy afterwards
    const r = await m.run([0, 1], 2, 1);
    assert.equal(r.logits.length, 14);
  });

  it('corrupt, truncated, empty and foreign files give clear errors', async () => {
    const good = exportOnnx(fx.config, flatParams(fx), { vocab: vocabOf(7) });
    await assert.rejects(OnnxModel.load(new Uint8Array(0)), (e: Error) => e instanceof ModelLoadError && /empty/.test(e.message));
    await assert.rejects(OnnxModel.load(good.subarray(0, Math.floor(good.length / 2))), /truncated, corrupt/);
    await assert.rejects(OnnxModel.load(new TextEncoder().encode('{"not": "an onnx model at all"}\n')), /not (a valid|an) ONNX model/);
    const junk = new Uint8Array(good);
    for (let i = 200; i < 260; i++) junk[i] = 0xff;
    await assert.rejects(OnnxModel.load(junk), ModelLoadError);
    await assert.rejects(OnnxModel.load('/nonexistent/model.onnx'), /Model file not found: \/nonexistent\/model.onnx/);
    // a foreign model with no character-model interface: a plain MatMul graph
    const foreign = encodeModel({
      irVersion: 8,
      opsetImport: [{ version: 14 }],
      producerName: 'other',
      graph: {
        name: 'g',
        node: [{ opType: 'Identity', input: ['x'], output: ['y'] }],
        input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 2 }, { dimValue: 3 }] } } } }],
        output: [{ name: 'y', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 2 }, { dimValue: 3 }] } } } }],
      },
    });
    await assert.rejects(
      OnnxModel.load(foreign, { vocab: [97, 98, 99] }),
      (e: Error) =>
        /no integer token input/.test(e.message) &&
        /input x \(float \[2,3\]\) is neither the token input nor a recurrent state/.test(e.message) &&
        /no logits output \[T,B,3\]/.test(e.message),
    );
    // our graph with a weight of the wrong shape: refused at load, not inside a run
    const bent = decodeModel(good);
    bent.graph!.initializer!.find((t) => t.name === 'R0')!.dims = [1, 6, 24];
    // an edited file must be sealed again with its checksum (reseal), else it is refused as damaged
    const reseal = (m: typeof bent) => withChecksum(encodeModel({ ...m, metadataProps: m.metadataProps!.filter((p) => p.key !== CRC_KEY) }));
    await assert.rejects(OnnxModel.load(encodeModel(bent)), /checksum does not match/);
    await assert.rejects(
      OnnxModel.load(encodeModel({ ...bent, metadataProps: bent.metadataProps!.filter((p) => p.key !== CRC_KEY) })),
      /checksum is missing/,
      'a format-2 file without its checksum is refused',
    );
    await assert.rejects(OnnxModel.load(reseal(bent)), /weights R0 have shape \[1,6,24\], the config needs \[1,24,6\]/);
    // a graph onnxruntime refuses (unknown operator) becomes a ModelLoadError
    const odd = decodeModel(good);
    odd.graph!.node!.find((n) => n.opType === 'Add')!.opType = 'FancyAdd';
    await assert.rejects(OnnxModel.load(reseal(odd)), (e: Error) => e instanceof ModelLoadError && /onnxruntime cannot load .*FancyAdd/.test(e.message));
    // our metadata from the future
    const future = decodeModel(good);
    future.metadataProps = future.metadataProps!.map((p) => (p.key === 'seqlab.format' ? { key: p.key, value: '99' } : p));
    await assert.rejects(OnnxModel.load(reseal(future)), /newer Sequence Lab, or damaged \(format "99"/);
  });

  it('a disposed model refuses to run', async () => {
    const m2 = await OnnxModel.load(exportOnnx(fx.config, flatParams(fx), { vocab: vocabOf(7) }));
    await m2.dispose();
    await assert.rejects(m2.run([0], 1, 1), /disposed/);
  });
});

describe('ONNX runtime: session cache', () => {
  it('reuses sessions, reloads changed files, disposes explicitly', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-onnx-'));
    const file = path.join(dir, 'model.onnx');
    const fx = load('char_rnn_l1.json');
    fs.writeFileSync(file, exportOnnx(fx.config, flatParams(fx), { vocab: vocabOf(7) }));
    const cache = new SessionCache();
    try {
      const a = await cache.get(file);
      const b = await cache.get(file);
      assert.equal(a, b);
      const p2 = flatParams(fx);
      p2[0]! += 1;
      fs.writeFileSync(file, exportOnnx(fx.config, p2, { vocab: vocabOf(7) }));
      fs.utimesSync(file, new Date(), new Date(Date.now() + 5000));
      const c = await cache.get(file);
      assert.notEqual(c, a);
      assert.equal(cache.size, 1);
      await cache.disposeAll();
      assert.equal(cache.size, 0);
      assert.ok(c.isDisposed);
    } finally {
      await cache.disposeAll();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
