/**
 * The PyTorch way out and back, without PyTorch: the training script written for a recipe and for a model folder
 * (values, flags, vocabulary, refusals; it compiles as Python), and the ONNX → engine conversion on real PyTorch
 * exports (test/fixtures/onnx, written by torch.onnx.export): the engine's logits from the converted weights equal
 * onnxruntime's, and graphs that are not a plain Embedding → RNN → Linear stack are refused with the reason.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Model } from '../../src/engine/model';
import { encodeModel, decodeModel } from '../../src/onnx/proto';
import { OnnxModel } from '../../src/onnx/runtime';
import { engineWeightsOf, NotConvertibleError } from '../../src/onnx/toEngine';
import { createControl } from '../../src/protocol/worker';
import { pytorchScript, readTemplate, recipeFrom } from '../../src/worker/pytorchScript';
import { runTraining } from '../../src/worker/run';
import { tempDir } from './helpers';

const FX = join(__dirname, '..', 'fixtures', 'onnx');

describe('PyTorch training script (seqlab export-pytorch)', () => {
  it("writes the recipe's values (presets applied, reals as reals), its data, and compiles as Python", () => {
    const dir = tempDir('seqlab-pt-');
    writeFileSync(
      join(dir, 'r.seqlab.json'),
      JSON.stringify({ name: 'shake', data: ['a.txt', 'texts'], preset: 'medium', options: { lr: 0.001, clip: 1, valSplit: 'spread' } }),
    );
    const r = recipeFrom(join(dir, 'r.seqlab.json'));
    assert.deepEqual(r.files, [join(dir, 'a.txt'), join(dir, 'texts')]);
    const py = pytorchScript(r, readTemplate());
    for (const line of [
      '    \'cell\': "lstm",',
      "    'layers': 2,",
      "    'hidden': 256,",
      "    'dropout': 0.1,",
      "    'lr': 0.001,",
      "    'clip': 1.0,",
      '    \'valSplit\': "spread",',
    ]) {
      assert.ok(py.includes(line), `${line} in the script`);
    }
    assert.ok(py.includes(`    ${JSON.stringify(join(dir, 'texts'))},`));
    assert.ok(py.includes('VOCAB = None'));
    assert.ok(py.includes('NAME = "shake"'));
    assert.doesNotMatch(py, /@@[A-Z]+@@/, 'every marked line was filled');
    const f = join(dir, 'train.py');
    writeFileSync(f, py);
    const c = spawnSync('python3', ['-m', 'py_compile', f], { encoding: 'utf8' });
    assert.equal(c.status, 0, c.stderr);
  });

  it('from a model folder: the options of its run and its vocabulary; bad recipes are refused', async () => {
    const dir = tempDir('seqlab-pt-');
    writeFileSync(join(dir, 'text.txt'), readFileSync(join(__dirname, '..', '..', 'node_modules', 'typescript', 'README.md'), 'utf8').slice(0, 5000));
    const out = join(dir, 'm');
    await runTraining({
      jobId: 'j',
      name: 'm',
      outDir: out,
      sources: { files: [join(dir, 'text.txt')] },
      control: createControl(),
      options: { cell: 'gru', hidden: 16, emb: 8, batch: 4, seq: 16, steps: 4, evalEvery: 2, sampleChars: 0, lr: 0.004 },
    });
    const r = recipeFrom(out);
    assert.equal(r.options.cell, 'gru');
    assert.equal(r.options.lr, 0.004);
    assert.deepEqual(r.files, [join(dir, 'text.txt')]);
    assert.ok(r.vocab && r.vocab.length > 20);
    assert.ok(pytorchScript(r, readTemplate()).includes(`VOCAB = ${JSON.stringify(r.vocab)}`));
    writeFileSync(join(dir, 'bad.seqlab.json'), JSON.stringify({ data: [] }));
    assert.throws(() => recipeFrom(join(dir, 'bad.seqlab.json')), /the recipe needs "data"/);
    writeFileSync(join(dir, 'bad2.seqlab.json'), JSON.stringify({ data: 'x.txt', preset: 'huge' }));
    assert.throws(() => recipeFrom(join(dir, 'bad2.seqlab.json')), /"preset" must be/);
    writeFileSync(join(dir, 'bad3.seqlab.json'), JSON.stringify({ data: 'x.txt', options: { layers: 9 } }));
    assert.throws(() => recipeFrom(join(dir, 'bad3.seqlab.json')), /layers must be 1..4/);
    assert.throws(() => recipeFrom(join(dir, 'nothing')), /No such recipe or model folder/);
  });
});

describe('ONNX → engine checkpoint (plain Embedding → RNN → Linear graphs)', () => {
  const cases: [string, number][] = [
    ['torch_char_lstm.onnx', 19],
    ['bf_lstm1.onnx', 28],
    ['bf_gru2.onnx', 28],
    ['bf_lstm2_i32.onnx', 28],
    ['bf_nostate.onnx', 28],
  ];
  for (const [file, V] of cases) {
    it(`${file}: the engine's logits from the converted weights equal onnxruntime's`, async () => {
      const bytes = readFileSync(join(FX, file));
      const { config, params } = engineWeightsOf(bytes, V);
      const engine = new Model(config, { params });
      const m = await OnnxModel.load(bytes, { vocab: Array.from({ length: V }, (_, i) => 0x4e00 + i) });
      try {
        const T = 7,
          B = 2;
        const ids = Array.from({ length: T * B }, (_, i) => (i * 5 + 3) % V);
        const r = await m.run(ids, T, B);
        const got = engine.forward(Int32Array.from(ids), T, B, engine.newState(B), false, null);
        let d = 0;
        for (let i = 0; i < r.logits.length; i++) d = Math.max(d, Math.abs(r.logits[i]! - got[i]!));
        assert.ok(d < 1e-4, `max |Δlogit| ${d}`);
      } finally {
        await m.dispose();
      }
    });
  }

  it('refuses, with the reason, a graph with another layer or a bidirectional RNN', () => {
    const bytes = readFileSync(join(FX, 'bf_lstm1.onnx'));
    const extra = decodeModel(bytes);
    extra.graph!.initializer!.push({ name: 'norm.weight', dims: [32, 32], dataType: 1, floatData: Array(1024).fill(1) });
    assert.throws(
      () => engineWeightsOf(encodeModel(extra), 28),
      (e: Error) => e instanceof NotConvertibleError && /weights beyond Embedding → LSTM → Linear \(norm.weight\)/.test(e.message),
    );
    const bi = decodeModel(bytes);
    const lstm = bi.graph!.node!.find((n) => n.opType === 'LSTM')!;
    lstm.attribute = [...(lstm.attribute ?? []), { name: 'direction', type: 3, s: new TextEncoder().encode('bidirectional') }];
    assert.throws(() => engineWeightsOf(encodeModel(bi), 28), /bidirectional/);
    assert.throws(() => engineWeightsOf(bytes, 30), /the vocabulary has 30 characters/);
  });
});
