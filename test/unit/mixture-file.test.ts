/**
 * mixture.bin (src/engine/mixtureFile.ts): autocomplete's 5-gram and gate, saved at the end of training. The file
 * gives back the same model, refuses damaged or foreign bytes with a clear message, and a training run writes it.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCard } from '../../src/data/card';
import { Vocab } from '../../src/data/vocab';
import { decodeMixture, encodeMixture } from '../../src/engine/mixtureFile';
import { CharNgram } from '../../src/engine/ngram';
import { createControl } from '../../src/protocol/worker';
import { MIXTURE_FILE } from '../../src/protocol/model';
import { runTraining } from '../../src/worker/run';
import { tempDir } from './helpers';

// text nobody here wrote: a package's README
const README = readFileSync(join(__dirname, '..', '..', 'node_modules', 'mocha', 'README.md'), 'utf8');

describe('autocomplete: mixture.bin', () => {
  const vocab = Vocab.fromText(README);
  const ids = vocab.encode(README);
  const ngram = new CharNgram(vocab.size, 5);
  ngram.train(ids);
  const saved = { ngram, gate: { theta: [0.5, -1.25, 3, 0.001] }, validation: { gate: 1.9, fixed: 2, lstm: 2.3, ngram: 2.2, chars: 5000 } };

  it('gives back the same n-gram (every distribution), gate and scores', async () => {
    const bytes = encodeMixture(saved);
    const back = await decodeMixture(bytes);
    assert.deepEqual(back.gate, saved.gate);
    assert.deepEqual(back.validation, saved.validation);
    assert.equal(back.ngram.V, vocab.size);
    const a = new Float64Array(vocab.size),
      b = new Float64Array(vocab.size);
    for (let end = 0; end < ids.length; end += 97) {
      assert.equal(back.ngram.distribution(ids, end, b), ngram.distribution(ids, end, a), `matched order at ${end}`);
      assert.deepEqual(b, a, `the distribution after position ${end}`);
    }
  });

  it('refuses damaged, truncated and foreign bytes with one clear message', async () => {
    const bytes = encodeMixture(saved);
    const flipped = bytes.slice();
    flipped[bytes.length >> 1] ^= 0x10;
    await assert.rejects(decodeMixture(flipped), /damaged \(its checksum does not match\)/);
    await assert.rejects(decodeMixture(bytes.subarray(0, 10)), /truncated/);
    await assert.rejects(decodeMixture(new TextEncoder().encode('not a mixture file at all, really')), /not a Sequence Lab mixture file/);
    const v2 = bytes.slice();
    new DataView(v2.buffer).setUint32(4, 2, true);
    await assert.rejects(decodeMixture(v2), /version 2/);
  });

  it('a training run writes it beside model.onnx, for the model’s vocabulary', async function () {
    this.timeout(120_000);
    const dir = tempDir();
    const f = join(dir, 'readme.md');
    writeFileSync(f, README);
    const logs: string[] = [];
    const r = await runTraining(
      {
        jobId: 'mx',
        sources: { files: [f] },
        outDir: join(dir, 'mx'),
        name: 'mx',
        control: createControl(),
        options: { hidden: 32, emb: 16, batch: 8, seq: 32, steps: 30, evalEvery: 15, seed: 1 },
      },
      { log: (_l, m) => logs.push(m) },
    );
    const m = await decodeMixture(readFileSync(join(r.modelDir, MIXTURE_FILE)));
    assert.equal(m.ngram.V, readCard(r.modelDir).config.vocab);
    assert.ok(m.validation.chars >= 100 && m.validation.gate > 0, JSON.stringify(m.validation));
    assert.ok(
      logs.some((l) => /wrote mixture\.bin/.test(l)),
      logs.join('\n'),
    );
  });
});
