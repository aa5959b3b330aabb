/**
 * The training loop and a whole run through the worker adapter (no thread): overfitting, determinism,
 * exact resume, cancellation, the divergence guard, atomic model folders and bad input.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeCheckpoint } from '../../src/engine/checkpoint';
import { charConfig } from '../../src/engine/config';
import { Model } from '../../src/engine/model';
import { resolveOptions } from '../../src/engine/options';
import { generate } from '../../src/engine/sampling';
import { Trainer } from '../../src/engine/train';
import { StreamBatcher } from '../../src/data/batches';
import { readCard } from '../../src/data/card';
import { Vocab } from '../../src/data/vocab';
import { CHECKPOINT_FILE, ONNX_FILE } from '../../src/protocol/model';
import { createControl, requestStop, stopRequested, type TrainRequest } from '../../src/protocol/worker';
import { runTraining } from '../../src/worker/run';

const TEXT200 =
  'The quick brown fox jumps over the lazy dog. Pack my box with five dozen liquor jugs! ' +
  'How vexingly quick daft zebras jump; sphinx of black quartz, judge my vow. 0123456789 the end.. ' +
  'Amazingly few discotheques provide jukeboxes.';

describe('training loop', () => {
  it('overfits a 200-character text to a loss under 0.05', function () {
    this.timeout(120000);
    const text = TEXT200.slice(0, 200);
    assert.equal([...text].length, 200);
    const vocab = Vocab.fromText(text);
    const ids = vocab.encode(text);
    const opts = resolveOptions({ hidden: 48, emb: 16, batch: 1, seq: 199, lr: 2e-2, steps: 250, valFraction: 0, clip: 5 });
    const m = new Model(charConfig({ vocab: vocab.size, hidden: 48, emb: 16 }));
    const tr = new Trainer(m, opts, new StreamBatcher(ids, 0, ids.length, 1, 199), null);
    tr.init();
    let last = Infinity;
    const r = tr.run({
      onStep: (s) => {
        last = s.loss;
      },
    });
    assert.equal(r.stop, 'steps');
    assert.ok(last < 0.05, `final loss ${last}`);
    // and the overfitted model reproduces the text greedily from its first character
    const out = generate(m, vocab, { prime: text[0], length: 40, greedy: true });
    assert.equal(out, text.slice(1, 41));
  });
  it('emoji and CJK round-trip through the vocabulary and sampling', function () {
    this.timeout(60000);
    const text = '你好世界🙂 мир 👩‍💻 こんにちは 🎉\n'.repeat(8);
    const vocab = Vocab.fromText(text);
    assert.ok(vocab.codePoints.includes(0x1f642) && vocab.codePoints.includes(0x4f60));
    const ids = vocab.encode(text);
    assert.equal(ids.length, [...text].length);
    const m = new Model(charConfig({ vocab: vocab.size, hidden: 32, emb: 8 }));
    const tr = new Trainer(
      m,
      resolveOptions({ hidden: 32, emb: 8, batch: 1, seq: ids.length - 1, lr: 2e-2, steps: 150, valFraction: 0 }),
      new StreamBatcher(ids, 0, ids.length, 1, ids.length - 1),
      null,
    );
    tr.init();
    tr.run();
    const out = generate(m, vocab, { prime: '你好', length: 12, greedy: true });
    assert.equal(out, [...'世界🙂 мир 👩‍💻 こんにちは'].slice(0, 12).join(''));
  });
});

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'seqlab-train-'));
}
function corpusFile(dir: string, n = 6000): string {
  let s = '';
  let i = 0;
  while (s.length < n) s += `${TEXT200.slice(i % 50, (i % 50) + 60)} line ${i++} «日本語» 🙂\n`;
  const f = join(dir, 'corpus.txt');
  writeFileSync(f, s);
  return f;
}
function req(dir: string, file: string, name: string, options: TrainRequest['options'], extra: Partial<TrainRequest> = {}): TrainRequest {
  return { jobId: name, sources: { files: [file] }, outDir: join(dir, name), name, options, control: createControl(), ...extra };
}
const small = { cell: 'lstm' as const, hidden: 16, emb: 8, batch: 4, seq: 16, evalEvery: 5, sampleChars: 20, seed: 3 };

describe('runTraining (worker adapter)', () => {
  let dir: string;
  beforeEach(() => {
    dir = tmp();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is deterministic from its seed and writes a complete model folder', async () => {
    const f = corpusFile(dir);
    const logs: string[] = [];
    const a = await runTraining(req(dir, f, 'a', { ...small, steps: 12 }), { log: (_l, m) => logs.push(m) });
    assert.ok(
      logs.some((m) => /onnxruntime agrees with the engine to/.test(m)),
      'the final ONNX export is parity-checked',
    );
    const b = await runTraining(req(dir, f, 'b', { ...small, steps: 12 }));
    const c = await runTraining(req(dir, f, 'c', { ...small, steps: 12, seed: 4 }));
    const pa = decodeCheckpoint(readFileSync(join(a.modelDir, CHECKPOINT_FILE))).params;
    const pb = decodeCheckpoint(readFileSync(join(b.modelDir, CHECKPOINT_FILE))).params;
    const pc = decodeCheckpoint(readFileSync(join(c.modelDir, CHECKPOINT_FILE))).params;
    assert.deepEqual(pa, pb);
    assert.notDeepEqual(pa, pc);
    const card = readCard(a.modelDir);
    assert.equal(card.status, 'complete');
    assert.equal(card.steps, 12);
    assert.ok(card.bestValLoss !== null && card.bestValBpc! > 0);
    assert.ok(existsSync(join(a.modelDir, ONNX_FILE)));
  });

  it('resumes exactly: N steps then M more equals N+M straight (with dropout)', async () => {
    const f = corpusFile(dir);
    const o = { ...small, layers: 2, dropout: 0.2 };
    await runTraining(req(dir, f, 'straight', { ...o, steps: 17 }));
    await runTraining(req(dir, f, 'split', { ...o, steps: 9 }));
    const r = await runTraining(req(dir, f, 'split', { steps: 8 }, { resume: { from: join(dir, 'split'), mode: 'exact' } }));
    assert.equal(r.steps, 17);
    const s = decodeCheckpoint(readFileSync(join(dir, 'straight', CHECKPOINT_FILE)));
    const p = decodeCheckpoint(readFileSync(join(dir, 'split', CHECKPOINT_FILE)));
    assert.deepEqual(p.params, s.params);
    assert.deepEqual(p.optimizer, s.optimizer);
    assert.deepEqual(p.h, s.h);
  });

  it('an exact resume keeps every non-default option it is not given; one given explicitly wins and is named in the log and the card', async () => {
    const f = corpusFile(dir);
    const o = { ...small, lr: 0.005, clip: 1, patience: 3, evalEvery: 4, optimizer: 'rmsprop' as const, lrDecay: 0.9, lrDecayEvery: 3 };
    // what the CLI sends when only --steps is given: every other option present but undefined
    const unset = { cell: undefined, lr: undefined, clip: undefined, patience: undefined, evalEvery: undefined, optimizer: undefined, hidden: undefined };
    await runTraining(req(dir, f, 'straight', { ...o, steps: 17 }));
    await runTraining(req(dir, f, 'split', { ...o, steps: 9 }));
    const logs: string[] = [];
    await runTraining(req(dir, f, 'split', { ...unset, steps: 8 }, { resume: { from: join(dir, 'split'), mode: 'exact' } }), { log: (_l, m) => logs.push(m) });
    const s = decodeCheckpoint(readFileSync(join(dir, 'straight', CHECKPOINT_FILE)));
    const p = decodeCheckpoint(readFileSync(join(dir, 'split', CHECKPOINT_FILE)));
    assert.deepEqual(p.params, s.params, 'N + M steps equal N+M straight');
    for (const k of ['lr', 'clip', 'patience', 'evalEvery', 'optimizer', 'lrDecay'] as const) assert.equal(p.options[k], o[k], k);
    assert.ok(!logs.some((m) => /options changed/.test(m)), logs.join('\n'));
    // an explicit option wins, and is reported
    await runTraining(req(dir, f, 'split', { ...unset, steps: 2, lr: 0.001 }, { resume: { from: join(dir, 'split'), mode: 'exact' } }), {
      log: (_l, m) => logs.push(m),
    });
    assert.ok(
      logs.some((m) => m === 'options changed for this session: lr 0.005 → 0.001'),
      logs.join('\n'),
    );
    const card = readCard(join(dir, 'split'));
    assert.equal(card.options.lr, 0.001);
    assert.deepEqual(card.optionChanges, [{ step: 17, changed: ['lr 0.005 → 0.001'] }]);
  });

  it("valSplit 'spread' validates on blocks spread over the text, trains on the rest, and resumes exactly", async () => {
    const f = corpusFile(dir, 60_000); // 10% = 6,000 characters = 5 blocks
    const logs: string[] = [];
    const o = { ...small, valSplit: 'spread' as const, evalEvery: 4 };
    const spread = await runTraining(req(dir, f, 'spread', { ...o, steps: 8 }), { log: (_l, m) => logs.push(m) });
    assert.ok(
      logs.some((m) => /validation: \d+ characters in 5 blocks spread over the text/.test(m)),
      logs.join('\n'),
    );
    const tail = await runTraining(req(dir, f, 'tail', { ...small, evalEvery: 4, steps: 8 }));
    assert.notEqual(readCard(spread.modelDir).bestValLoss, readCard(tail.modelDir).bestValLoss, 'another validation text');
    assert.equal(readCard(spread.modelDir).options?.valSplit, 'spread');
    // an exact resume keeps the split (the request's other value is ignored)
    await runTraining(req(dir, f, 'straight', { ...o, steps: 12 }));
    const r = await runTraining(req(dir, f, 'spread', { steps: 4, valSplit: 'tail' }, { resume: { from: join(dir, 'spread'), mode: 'exact' } }));
    assert.equal(r.steps, 12);
    assert.deepEqual(
      decodeCheckpoint(readFileSync(join(dir, 'spread', CHECKPOINT_FILE))).params,
      decodeCheckpoint(readFileSync(join(dir, 'straight', CHECKPOINT_FILE))).params,
    );
    assert.throws(() => resolveOptions({ valSplit: 'middle' as never }), /valSplit must be tail or spread/);
  });

  it('fine-tuning keeps the vocabulary and reports unknown characters', async () => {
    const f = corpusFile(dir);
    const base = await runTraining(req(dir, f, 'base', { ...small, steps: 5 }));
    const g = join(dir, 'other.txt');
    writeFileSync(g, 'completely different text with new chars: ЖЖЖ ~~~ '.repeat(40));
    const logs: string[] = [];
    await runTraining(req(dir, g, 'tuned', { steps: 5 }, { resume: { from: base.modelDir, mode: 'finetune' } }), { log: (_l, m) => logs.push(m) });
    const v1 = decodeCheckpoint(readFileSync(join(dir, 'base', CHECKPOINT_FILE))).vocab;
    const v2 = decodeCheckpoint(readFileSync(join(dir, 'tuned', CHECKPOINT_FILE))).vocab;
    assert.deepEqual(v2, v1);
    assert.ok(
      logs.some((m) => /not in the model's vocabulary/.test(m)),
      logs.join('\n'),
    );
  });

  it('stops within one step when asked and keeps its best model', async () => {
    const f = corpusFile(dir);
    const r0 = req(dir, f, 'stopme', { ...small, steps: 100000 });
    let steps = 0;
    const r = await runTraining(r0, {
      progressEveryMs: 0,
      progress: (p) => {
        steps = p.step;
        if (p.step === 7) requestStop(r0.control);
      },
      shouldStop: () => stopRequested(r0.control),
    });
    assert.equal(r.status, 'stopped');
    assert.equal(r.steps, 7);
    assert.equal(steps, 7);
    const card = readCard(r.modelDir);
    assert.equal(card.status, 'stopped');
    assert.match(card.stopReason ?? '', /stopped by the user/);
    assert.ok(existsSync(join(r.modelDir, ONNX_FILE)));
  });

  it('guards against divergence: restores the best weights and says why', async () => {
    const f = corpusFile(dir);
    const r = await runTraining(req(dir, f, 'boom', { ...small, lr: 1e6, clip: 0, steps: 200, optimizer: 'sgd' }));
    assert.equal(r.status, 'stopped');
    assert.match(r.stopReason, /diverged/);
    const ck = decodeCheckpoint(readFileSync(join(r.modelDir, CHECKPOINT_FILE)));
    assert.ok(ck.bestParams.every(Number.isFinite));
  });

  it('refuses empty, binary and too-short input with one clear line, and creates no model', async () => {
    const empty = join(dir, 'empty.txt');
    writeFileSync(empty, '');
    const bin = join(dir, 'x.bin');
    writeFileSync(bin, Buffer.from([0, 1, 2, 3, 0, 0, 255, 0]));
    const short = join(dir, 'short.txt');
    writeFileSync(short, 'abc');
    for (const [file, re] of [
      [empty, /empty/i],
      [bin, /binary/i],
      [short, /too short/i],
    ] as const) {
      const r = req(dir, file, 'bad', { ...small, steps: 3 });
      await assert.rejects(
        () => runTraining(r),
        (e: Error) => e.name === 'DataError' && re.test(e.message) && !e.message.includes('\n'),
      );
      assert.ok(!existsSync(join(r.outDir, CHECKPOINT_FILE)));
    }
    await assert.rejects(() => runTraining({ ...req(dir, empty, 'sel', small), sources: { text: '' } }), /selection is empty/);
  });
});
