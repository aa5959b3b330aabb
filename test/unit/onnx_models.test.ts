/** Model-folder ONNX operations: export a trained folder (parity-checked), import a PyTorch model, sample both engines. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runTraining } from '../../src/worker/run';
import { createControl } from '../../src/protocol/worker';
import { readCard } from '../../src/data/card';
import { decodeModel, metadataOf } from '../../src/onnx/proto';
import { exportModelFolder, hiddenStatesForText, importOnnxFile, sampleModelFolder } from '../../src/onnx/models';
import { OnnxModel } from '../../src/onnx/runtime';
import { PARITY_TOLERANCE } from '../../src/onnx/verify';

const FIX = path.join(__dirname, '..', 'fixtures', 'onnx');

describe('ONNX model folders', () => {
  let tmp: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-models-'));
  });
  after(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('exports a trained folder (parity-checked) to a standalone file without touching the folder, and samples it on both engines', async () => {
    const dir = path.join(tmp, 'tiny');
    const text = 'the cat sat on the mat. the dog sat on the log. '.repeat(40);
    await runTraining({
      jobId: 'j',
      sources: { text, label: 'sel' },
      outDir: dir,
      name: 'tiny',
      control: createControl(),
      options: { layers: 1, hidden: 16, emb: 8, batch: 4, seq: 16, steps: 5, evalEvery: 5, sampleChars: 0 },
    });
    const before = new Map(fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f))]));
    const r = await exportModelFolder(dir, { out: tmp });
    assert.ok(r.parity.maxDiff <= PARITY_TOLERANCE);
    assert.deepEqual(new Map(fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f))])), before, 'the model folder is unchanged');
    await assert.rejects(exportModelFolder(dir, { out: path.join(dir, 'model.onnx') }), /own file/);
    assert.equal(r.out, path.join(tmp, 'tiny.onnx'));
    const meta = metadataOf(decodeModel(fs.readFileSync(r.out!)));
    assert.equal(JSON.parse(meta['seqlab.card']!).name, 'tiny');
    assert.ok(JSON.parse(meta['seqlab.vocab']!).includes(' '.codePointAt(0)));
    const o = { prime: 'the ', length: 40, seed: 7, temperature: 0.8 };
    const a = await sampleModelFolder(dir, { ...o, engine: 'onnx' });
    const b = await sampleModelFolder(dir, { ...o, engine: 'ts' });
    assert.equal(a.engine, 'onnx');
    assert.equal(b.engine, 'ts');
    assert.equal(a.text, b.text);
    assert.equal(Array.from(a.text).length, 40);
    await assert.rejects(sampleModelFolder(tmp, { length: 5 }), /has no model.onnx/);
  });

  it('imports the PyTorch model with a vocabulary file into a self-contained folder', async () => {
    const ref = JSON.parse(fs.readFileSync(path.join(FIX, 'torch_char_lstm.json'), 'utf8')) as { vocab: string };
    const vocabFile = path.join(tmp, 'vocab.json');
    fs.writeFileSync(vocabFile, JSON.stringify(Array.from(ref.vocab)));
    const models = path.join(tmp, 'models');
    await assert.rejects(importOnnxFile(path.join(FIX, 'torch_char_lstm.onnx'), { modelsDir: models }), /no vocabulary/);
    const r = await importOnnxFile(path.join(FIX, 'torch_char_lstm.onnx'), { modelsDir: models, vocabFile });
    assert.equal(r.card.origin, 'imported');
    assert.deepEqual([r.card.config.cell, r.card.config.layers, r.card.config.hidden, r.card.config.emb, r.card.vocabSize], ['lstm', 2, 12, 8, 19]);
    assert.equal(readCard(r.dir).name, 'torch_char_lstm');
    // the folder needs no vocabulary file any more
    const s = await sampleModelFolder(r.dir, { prime: 'hello', length: 25, seed: 2 });
    assert.equal(Array.from(s.text).length, 25);
    for (const ch of s.text) assert.ok(ref.vocab.includes(ch));
    // a plain Embedding → LSTM → Linear graph also runs on the TypeScript engine, with the same text
    const ts = await sampleModelFolder(r.dir, { prime: 'hello', length: 25, seed: 2, engine: 'ts' });
    assert.equal(ts.text, s.text);
    assert.ok(r.trainable && fs.existsSync(path.join(r.dir, 'checkpoint.bin')), 'and becomes an engine checkpoint');
    // heatmap data from the imported model: 2 layers of 12, last row of the top layer is its final hidden state
    const m = await OnnxModel.load(path.join(r.dir, 'model.onnx'));
    try {
      const hs = await hiddenStatesForText(m, 'hello there');
      assert.equal(hs.chars.join(''), 'hello there');
      assert.deepEqual(
        hs.layers.map((l) => [l.hidden, l.values.length]),
        [
          [12, 11 * 12],
          [12, 11 * 12],
        ],
      );
      assert.ok(Number.isNaN(hs.surprisal[0]!));
      for (let t = 1; t < 11; t++) assert.ok(hs.surprisal[t]! > 0 && hs.surprisal[t]! < 20);
      const step = await m.run(hs.ids, 11, 1);
      const top = hs.layers[1]!.values.subarray(10 * 12);
      const hN = step.state.h0!.subarray(12); // stacked [2,1,12]: layer 1
      for (let i = 0; i < 12; i++) assert.ok(Math.abs(top[i]! - hN[i]!) < 1e-6);
    } finally {
      await m.dispose();
    }
    await assert.rejects(importOnnxFile(path.join(FIX, 'torch_char_lstm.onnx'), { modelsDir: models, vocabFile }), /already exists/);
    await assert.rejects(importOnnxFile(path.join(FIX, 'nope.onnx'), { modelsDir: models, vocabFile }), /Model file not found/);
    await assert.rejects(importOnnxFile(path.join(FIX, 'torch_char_lstm.json'), { modelsDir: models, vocabFile, name: 'j' }), /not a valid ONNX model/);
  });
});
