import assert from 'node:assert/strict';
import { refKernels } from '../../src/engine/kernels';
import { charConfig, type CellType } from '../../src/engine/config';
import { Model } from '../../src/engine/model';
import { resolveOptions } from '../../src/engine/options';
import { Trainer } from '../../src/engine/train';
import { splitTrainVal, StreamBatcher } from '../../src/data/batches';
import { Vocab } from '../../src/data/vocab';
import type { NativeKernels } from '../../src/engine/kernels-native';
import { loadNativeKernels, nativeLoadError } from '../../src/worker/kernels-native';

describe('native AVX2/FMA kernels', function () {
  this.timeout(120_000);
  let nk: NativeKernels;
  before(async () => {
    // npm test builds it (esbuild.mjs); a bare `npx mocha` builds it here. It must exist on the machines we test on.
    const { buildNative } = await import('../../scripts/build-native.mjs' as string);
    buildNative();
    const k = loadNativeKernels();
    assert.ok(k, `the native kernels must build and load here: ${nativeLoadError}`);
    nk = k;
  });
  after(() => {
    nk.setThreads(1);
  });

  // gemm, the fused cells, σ/tanh and the whole-array kernels against their references: kernels-backends.test.ts

  it('float64 arrays go to the reference kernels; views too short for the shapes throw instead of touching memory', () => {
    const C = new Float64Array(6),
      A = new Float64Array([1, 2, 3]),
      B = new Float64Array([1, 1]);
    nk.gemm(false, false, 3, 2, 1, A, 0, 1, B, 0, 2, 0, C, 0, 2);
    assert.deepEqual([...C], [1, 1, 2, 2, 3, 3]);
    const a32 = new Float32Array(4),
      c32 = new Float32Array(4);
    assert.throws(() => nk.gemm(false, false, 2, 2, 2, a32, 1, 2, a32, 0, 2, 0, c32, 0, 2), RangeError);
    assert.throws(
      () =>
        nk.lstmForward(
          2,
          8,
          new Float32Array(10),
          0,
          null,
          0,
          null,
          0,
          new Float32Array(16),
          0,
          new Float32Array(64),
          0,
          new Float32Array(16),
          0,
          new Float32Array(16),
          0,
        ),
      RangeError,
    );
  });

  // The rule: speed must not change the math. 300 Adam steps on the same seed land within 0.03 nats of the
  // reference engine's validation loss, for each cell, with one and two threads.
  for (const cell of ['lstm', 'gru', 'rnn'] as CellType[]) {
    it(`${cell}: 300 training steps match the reference engine's validation loss (1 and 2 threads)`, () => {
      const text = 'the quick brown fox jumps over the lazy dog; pack my box with five dozen liquor jugs.\n'.repeat(60);
      const vocab = Vocab.fromText(text);
      const ids = Int32Array.from(vocab.encode(text));
      const B = 8,
        T = 16;
      const train = (kernels: typeof refKernels) => {
        const config = charConfig({ cell, layers: 2, hidden: 24, emb: 8, vocab: vocab.size });
        const model = new Model(config, { kernels });
        const opts = resolveOptions({
          cell,
          layers: 2,
          hidden: 24,
          emb: 8,
          batch: B,
          seq: T,
          lr: 3e-3,
          clip: 5,
          steps: 300,
          evalEvery: 1e9,
          seed: 4,
          sampleChars: 0,
        });
        const split = splitTrainVal(ids.length, 0.1);
        const tr = new Trainer(
          model,
          opts,
          new StreamBatcher(ids, split.train[0], split.train[1], B, T),
          new StreamBatcher(ids, split.val[0], split.val[1], B, T),
        );
        tr.init();
        for (let s = 0; s < 300; s++) tr.trainStep();
        return tr.evaluate();
      };
      const ref = train(refKernels);
      for (const threads of [1, 2]) {
        nk.setThreads(threads);
        const fast = train(nk);
        assert.ok(Number.isFinite(ref) && ref < Math.log(vocab.size) - 1, `the reference learned something (${ref})`);
        assert.ok(Math.abs(fast - ref) < 0.03, `${cell}, ${threads} threads: val loss ${fast} vs reference ${ref}`);
      }
    });
  }
});
