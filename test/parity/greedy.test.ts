/**
 * The greedy-decoding graph (src/onnx/greedy.ts): one onnxruntime run that reads a context and picks up to N tokens
 * must pick exactly what stepping one run per token picks, with the same log-probabilities, stop at a stop id, and
 * leave the stepper after the context; for our RNN/LSTM/GRU exports and for the PyTorch-exported import fixture.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { charConfig, type CellType } from '../../src/engine/config';
import { Model } from '../../src/engine/model';
import { Rng } from '../../src/engine/rng';
import { argmaxLogProb, greedyDecode } from '../../src/onnx/decode';
import { exportOnnx } from '../../src/onnx/export';
import { EngineStepper, openInference } from '../../src/onnx/fallback';
import { Completer } from '../../src/worker/completion/completer';
import { buildGreedyModel, greedyUnsupported } from '../../src/onnx/greedy';
import { prepareModel } from '../../src/onnx/import';
import { OnnxModel } from '../../src/onnx/runtime';
import type { Stepper } from '../../src/onnx/stepper';

const V = 23;
function randomModel(cell: CellType, layers: number, seed: number): { model: Model; bytes: Uint8Array } {
  const config = charConfig({ cell, layers, hidden: 16, emb: 8, vocab: V });
  const model = new Model(config);
  model.initParams(new Rng(seed));
  // sharpen the head so greedy paths are long and varied rather than one repeated id
  const p = model.params.data;
  for (let i = 0; i < p.length; i++) p[i] = p[i]! * 3;
  return { model, bytes: exportOnnx(config, Float32Array.from(p), { vocab: Array.from({ length: V }, (_, i) => 97 + i) }) };
}

/** the reference: prime, then one run per token */
async function stepped(s: Stepper, ctx: number[], maxSteps: number, stop: number[]): Promise<{ ids: number[]; logProbs: number[] }> {
  let logits = await s.prime(ctx);
  const ids: number[] = [],
    logProbs: number[] = [];
  for (;;) {
    const a = argmaxLogProb(logits);
    ids.push(a.id);
    logProbs.push(a.logProb);
    if (stop.includes(a.id) || ids.length >= maxSteps) return { ids, logProbs };
    logits = await s.step(a.id);
  }
}
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  assert.equal(a.length, b.length, 'length');
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
};

describe('greedy decoding graph: one run equals one run per token', () => {
  const cases: [CellType, number][] = [
    ['lstm', 1],
    ['lstm', 2],
    ['gru', 1],
    ['gru', 3],
    ['rnn', 2],
  ];
  for (const [cell, layers] of cases) {
    it(`${layers}×${cell.toUpperCase()}: same ids, same log-probs, same state after the context`, async () => {
      const rng = new Rng(3);
      const ctx = Array.from({ length: 37 }, () => rng.int(V));
      // the first seed whose greedy path is varied (a random model often falls into repeating one id)
      let m: OnnxModel | undefined, ref: { ids: number[]; logProbs: number[] } | undefined;
      for (let seed = 1; seed <= 30 && !m; seed++) {
        const cand = await OnnxModel.load(randomModel(cell, layers, seed).bytes);
        const r = await stepped(cand.stepper(), ctx, 30, []);
        if (new Set(r.ids).size >= 5) {
          m = cand;
          ref = r;
        } else await cand.dispose();
      }
      assert.ok(m && ref, 'a random model with a varied greedy path');
      try {
        const s = m.stepper();
        const got = await s.greedy(ctx, 30, []);
        assert.equal(m.greedyFallbackReason, null, 'the greedy graph is used');
        assert.deepEqual(got.ids, ref.ids);
        assert.ok(maxDiff(got.logProbs, ref.logProbs) < 1e-5, `log-probs differ by ${maxDiff(got.logProbs, ref.logProbs)}`);
        // the stepper is after the context only: its next logits are the context's
        const after = m.stepper();
        await after.prime(ctx);
        for (const k of Object.keys(after.state)) assert.ok(maxDiff(s.state[k]!, after.state[k]!) < 1e-6, k);

        // a stop id ends the picks and is the last one; a later context continues from the carried state
        const stopAt = ref.ids.findIndex((id, i) => i > 2 && ref.ids.indexOf(id) === i);
        const stopId = ref.ids[stopAt]!;
        const cut = await m.stepper().greedy(ctx, 30, [stopId]);
        assert.deepEqual(cut.ids, ref.ids.slice(0, stopAt + 1));
        const two = m.stepper();
        await two.greedy(ctx.slice(0, 20), 5, []);
        const cont = await two.greedy(ctx.slice(20), 30, []);
        assert.deepEqual(cont.ids, ref.ids);
        // maxSteps 1: only the first pick (the loop runs zero times)
        assert.deepEqual((await m.stepper().greedy(ctx, 1, [])).ids, ref.ids.slice(0, 1));
      } finally {
        await m.dispose();
      }
    });
  }

  it('greedyDecode after a prime (the autocomplete path) equals the TypeScript engine stepping', async () => {
    const { model, bytes } = randomModel('lstm', 2, 4);
    const m = await OnnxModel.load(bytes);
    try {
      const rng = new Rng(8);
      const ctx = Array.from({ length: 64 }, () => rng.int(V));
      const s = m.stepper();
      const first = await s.prime(ctx);
      const got = await greedyDecode(s, first, 32, [5]);
      const e = new EngineStepper(model);
      const ef = e.prime(ctx);
      const want = await greedyDecode(e, ef, 32, [5]);
      assert.deepEqual(got!.ids, want!.ids);
      assert.ok(maxDiff(got!.logProbs, want!.logProbs) < 1e-4);
      assert.equal(await greedyDecode(m.stepper(), first, 32, [5], () => true), undefined, 'cancelled before the model call');
    } finally {
      await m.dispose();
    }
  });

  it('the autocomplete Completer suggests the same through the greedy graph as through the stepping TS engine', async () => {
    const { bytes } = randomModel('lstm', 1, 6);
    const onnx = await openInference(bytes, { engine: 'onnx' });
    const ts = await openInference(bytes, { engine: 'ts' });
    try {
      const opts = { window: 64, maxChars: 24, beamWidth: 1, threshold: 0, stop: [] };
      // warmUp asks the stepper for one greedy pick (building onnxruntime's greedy session); beam search does not use it
      const calls: unknown[][] = [];
      const recording = (beamWidth: number) =>
        new Completer(
          {
            info: onnx.info,
            stepper: () => {
              const s = onnx.stepper();
              return Object.assign(s, {
                greedy: (...a: unknown[]) => {
                  calls.push(a);
                  return Promise.resolve({ ids: [0], logProbs: [0] });
                },
              });
            },
          },
          { ...opts, beamWidth },
        );
      await recording(1).warmUp();
      assert.deepEqual(calls, [[[0], 1, []]]);
      await recording(3).warmUp();
      assert.equal(calls.length, 1);
      const a = new Completer(onnx, opts),
        b = new Completer(ts, opts);
      await a.warmUp();
      const rng = new Rng(2);
      let shown = 0;
      for (let i = 0; i < 6; i++) {
        const text = Array.from({ length: 40 + i * 7 }, () => String.fromCharCode(97 + rng.int(V))).join('');
        const src = { cursor: text.length, read: (x: number, y: number) => text.slice(x, y) };
        const ra = await a.complete(`d${i}`, src),
          rb = await b.complete(`d${i}`, src);
        assert.equal(ra!.raw, rb!.raw, `context ${i}`);
        assert.equal(ra!.text, rb!.text);
        assert.ok(Math.abs(ra!.confidence - rb!.confidence) < 1e-4);
        if (ra!.raw.length > 0) shown++;
      }
      assert.ok(shown >= 3, 'most contexts got a suggestion to compare');
      assert.equal(onnx.onnx!.greedyFallbackReason, null, 'the suggestions came through the greedy graph');
    } finally {
      await onnx.dispose();
      await ts.dispose();
    }
  });

  it('validates its inputs, and says why a model gets no greedy graph', async () => {
    const { bytes } = randomModel('gru', 1, 2);
    const m = await OnnxModel.load(bytes);
    try {
      await assert.rejects(m.stepper().greedy([1, 2], 0, []), /maxSteps must be a positive integer/);
      await assert.rejects(m.stepper().greedy([1, 2], 4, [V]), /stop id 23 is outside the vocabulary 0\.\.22/);
      await assert.rejects(m.stepper().greedy([1, V + 4], 4, []), /token id 27 at position 1 is outside the vocabulary/);
      await assert.rejects(m.stepper().greedy([], 4, []), /empty context/);
    } finally {
      await m.dispose();
    }
    const info = prepareModel(bytes).info;
    assert.equal(greedyUnsupported(info.signature, info.opset), null);
    assert.match(greedyUnsupported(info.signature, 9)!, /opset 9 has no Loop/);
    assert.match(greedyUnsupported({ ...info.signature, states: [] }, 14)!, /no state inputs/);
    assert.match(greedyUnsupported({ ...info.signature, fixedT: 8 }, 14)!, /fixed sequence length/);
    assert.throws(() => buildGreedyModel(bytes, { ...info.signature, kind: 'regression' }, 14), /not a character model/);
  });
});

describe('greedy decoding graph: the PyTorch-exported import fixture', () => {
  const DIR = path.join(__dirname, '..', 'fixtures', 'onnx');
  const ref = JSON.parse(fs.readFileSync(path.join(DIR, 'torch_char_lstm.json'), 'utf8')) as { vocab: string };
  const vocab = Array.from(ref.vocab, (ch) => ch.codePointAt(0)!);
  it('a foreign graph (stacked [2,1,12] states) decodes in one run like stepping', async () => {
    const m = await OnnxModel.load(fs.readFileSync(path.join(DIR, 'torch_char_lstm.onnx')), { vocab });
    try {
      const ctx = Array.from('to be or not to', (ch) => vocab.indexOf(ch.codePointAt(0)!));
      assert.ok(ctx.every((id) => id >= 0));
      const want = await stepped(m.stepper(), ctx, 25, []);
      const got = await m.stepper().greedy(ctx, 25, []);
      assert.equal(m.greedyFallbackReason, null, 'the foreign model gets the greedy graph too');
      assert.deepEqual(got.ids, want.ids);
      assert.ok(maxDiff(got.logProbs, want.logProbs) < 1e-5);
    } finally {
      await m.dispose();
    }
  });
});
