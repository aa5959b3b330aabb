/**
 * Importing PyTorch char models exported the usual way: `batch_first=True`, tokens [batch, time]
 * (test/parity/gen_import_batchfirst.py). Each one is detected as batch-first, its logits on a probe with T != B
 * match PyTorch's, and after `importOnnxFile` the greedy text through onnxruntime equals PyTorch's own greedy text.
 * Covers nn.LSTM 1 layer, nn.GRU 2 layers, int32 tokens, and a model without state inputs.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeModel } from '../../src/onnx/proto';
import { prepareModel, tokenLayout } from '../../src/onnx/import';
import { importOnnxFile, sampleModelFolder } from '../../src/onnx/models';
import { OnnxModel } from '../../src/onnx/runtime';

const DIR = path.join(__dirname, '..', 'fixtures', 'onnx');
interface Ref {
  vocab: string;
  prime: string;
  greedy: string;
  signature: string;
  probe: { tokens: number[][]; logits: number[] };
}
const load = (name: string) => ({
  bytes: fs.readFileSync(path.join(DIR, `bf_${name}.onnx`)),
  ref: JSON.parse(fs.readFileSync(path.join(DIR, `bf_${name}.json`), 'utf8')) as Ref,
});
const codePoints = (s: string) => Array.from(s, (c) => c.codePointAt(0)!);

describe('import: PyTorch batch_first models', () => {
  let tmp: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-bf-'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  for (const [name, states] of [
    ['lstm1', 2],
    ['gru2', 1],
    ['lstm2_i32', 2],
    ['nostate', 0],
  ] as const) {
    it(`${name}: detected as batch-first, probe logits (B=2, T=3) match PyTorch's`, async () => {
      const { bytes, ref } = load(name);
      const vocab = codePoints(ref.vocab);
      const { info } = prepareModel(bytes, { vocab });
      assert.equal(info.signature.batchFirst, true, ref.signature);
      assert.equal(info.signature.states.length, states);
      assert.equal(info.signature.inputType, name.endsWith('i32') ? 'int32' : 'int64');
      const m = await OnnxModel.load(bytes, { vocab });
      try {
        const [a, b] = ref.probe.tokens as [number[], number[]];
        const T = a.length,
          B = 2,
          V = vocab.length;
        const timeMajor: number[] = [];
        for (let t = 0; t < T; t++) timeMajor.push(a[t]!, b[t]!);
        const r = await m.run(timeMajor, T, B);
        let d = 0;
        for (let bb = 0; bb < B; bb++)
          for (let t = 0; t < T; t++)
            for (let v = 0; v < V; v++) {
              d = Math.max(d, Math.abs(r.logits[(t * B + bb) * V + v]! - ref.probe.logits[(bb * T + t) * V + v]!));
            }
        assert.ok(d < 1e-4, `max |Δlogit| ${d}`);
      } finally {
        await m.dispose();
      }
    });

    it(`${name}: imported, its greedy text equals PyTorch's`, async () => {
      const { ref } = load(name);
      const vocabFile = path.join(tmp, `${name}.vocab.json`);
      fs.writeFileSync(vocabFile, JSON.stringify(Array.from(ref.vocab)));
      const r = await importOnnxFile(path.join(DIR, `bf_${name}.onnx`), { modelsDir: tmp, vocabFile });
      const out: string[] = [];
      await sampleModelFolder(r.dir, { prime: ref.prime, length: ref.greedy.length, greedy: true, seed: 1, onText: (t) => out.push(t) });
      assert.equal(out.join(''), ref.greedy);
    });
  }

  it('a time-major PyTorch export stays time-major; dimension names decide when no recurrent node is on the path', () => {
    const tm = decodeModel(fs.readFileSync(path.join(DIR, 'torch_char_lstm.onnx')));
    const tokens = tm.graph!.input!.find((i) => i.name === 'tokens')!;
    assert.equal(tokenLayout(tm.graph!, tokens), 'time-major');
    const named = (a: string, b: string) => ({ name: 'x', type: { tensorType: { elemType: 7, shape: { dim: [{ dimParam: a }, { dimParam: b }] } } } });
    assert.equal(tokenLayout({ node: [] }, named('batch', 'time')), 'batch-first');
    assert.equal(tokenLayout({ node: [] }, named('T', 'B')), 'time-major');
  });
});
