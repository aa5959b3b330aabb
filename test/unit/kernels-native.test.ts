import assert from 'node:assert/strict';
import { gemmRef, refKernels } from '../../src/engine/kernels';
import { charConfig, type CellType } from '../../src/engine/config';
import { crossEntropyForward } from '../../src/engine/layers';
import { Model } from '../../src/engine/model';
import { clipGradNorm, Optimizer } from '../../src/engine/optim';
import { resolveOptions } from '../../src/engine/options';
import { type FusedKernels, refFused } from '../../src/engine/pointwise';
import { Rng } from '../../src/engine/rng';
import { Trainer } from '../../src/engine/train';
import { splitTrainVal, StreamBatcher } from '../../src/data/batches';
import { Vocab } from '../../src/data/vocab';
import type { NativeKernels } from '../../src/engine/kernels-native';
import { loadNativeKernels, nativeLoadError } from '../../src/worker/kernels-native';
import { fill, maxRelErr } from './helpers';

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
  after(() => { nk.setThreads(1); });

  for (const threads of [1, 2]) describe(`${threads} thread${threads > 1 ? 's' : ''}`, () => {
    before(() => { assert.equal(nk.setThreads(threads), threads); });

    for (const tA of [false, true]) for (const tB of [false, true]) {
      it(`gemm transA=${tA} transB=${tB} equals gemmRef: odd and training-like sizes, vectors, offsets, leading dims, beta 0/1/0.5`, () => {
        const rng = new Rng(11 + (tA ? 2 : 0) + (tB ? 1 : 0) + 4 * threads);
        // edges of the 6×16 tile, several KC (256) / MC (120) blocks, the recurrent shapes (B=32 against 4H), and
        // matrix-vector products (M or N = 1)
        const shapes = [[1, 1, 1], [1, 37, 300], [45, 1, 20], [7, 19, 5], [6, 16, 8], [13, 33, 257], [32, 512, 128],
          [32, 128, 512], [130, 70, 40], [250, 100, 600], [64, 64, 64], [2, 300, 3]];
        let checked = 0;
        for (const [M, N, K] of shapes) for (const beta of [0, 1, 0.5]) {
          const pad = (M + N + K) % 5;
          const lda = (tA ? M : K) + pad, ldb = (tB ? K : N) + pad, ldc = N + ((pad + 2) % 4);
          const aOff = 3, bOff = 5, cOff = 7;
          const A = fill(new Float32Array(aOff + (tA ? K : M) * lda), rng), B = fill(new Float32Array(bOff + (tB ? N : K) * ldb), rng);
          const C = fill(new Float32Array(cOff + M * ldc + 3), rng), Cref = Float64Array.from(C);
          nk.gemm(tA, tB, M, N, K, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
          gemmRef(tA, tB, M, N, K, Float64Array.from(A), aOff, lda, Float64Array.from(B), bOff, ldb, beta, Cref, cOff, ldc);
          // everything is compared, so writes outside the (M,N) window (gaps, padding, neighbours) are caught too;
          // float32 sums of K products of values in [-1,1]: allow K·2⁻²⁴-ish rounding
          const err = maxRelErr(C, Cref);
          assert.ok(err <= 1e-5 * Math.max(1, Math.sqrt(K) / 4), `M=${M} N=${N} K=${K} beta=${beta}: rel err ${err}`);
          checked++;
        }
        assert.equal(checked, shapes.length * 3);
      });
    }

    it('fused cell kernels equal their TS references (LSTM, GRU, RNN; in place; null gh and bias)', () => {
      // B·H ≥ 16384 splits the rows over the threads; H=13 exercises the 8-lane body and the scalar tail
      for (const [B, H] of [[3, 13], [64, 260]]) {
        const rng = new Rng(5 + B);
        type Buf = { w: Float32Array; r: Float32Array };
        const pair = (n: number, scale = 3): Buf => { const w = fill(new Float32Array(n + 4), rng, scale); return { w, r: Float32Array.from(w) }; };
        const run = (f: (k: FusedKernels, s: 'w' | 'r') => void) => { f(nk, 'w'); f(refFused, 'r'); };
        const check = (name: string, bufs: Record<string, Buf>) => {
          for (const [k, b] of Object.entries(bufs)) { const e = maxRelErr(b.w, b.r); assert.ok(e <= 1e-5, `${name} B=${B} H=${H}: ${k} rel err ${e}`); }
        };
        const o = 2;
        const gx = pair(4 * B * H), gh = pair(4 * B * H), bias = pair(8 * H, 1), cp = pair(B * H), act = pair(4 * B * H), c = pair(B * H), h = pair(B * H);
        run((k, s) => k.lstmForward(B, H, gx[s], o, gh[s], o, bias[s], o, cp[s], o, act[s], o, c[s], o, h[s], o));
        check('lstmForward', { act, c, h });
        const dh = pair(B * H), dc = pair(B * H), dg = pair(4 * B * H);
        run((k, s) => k.lstmBackward(B, H, act[s], o, cp[s], o, c[s], o, dh[s], o, dc[s], o, dg[s], o));
        check('lstmBackward', { dc, dg });
        // in place over gx with null gh and bias, as the engine calls it
        run((k, s) => k.lstmForward(B, H, gx[s], 0, null, 0, null, 0, cp[s], 0, gx[s], 0, c[s], 0, h[s], 0));
        check('lstmForward in place', { gx, c, h });
        const gx3 = pair(3 * B * H), gh3 = pair(3 * B * H), bias3 = pair(6 * H, 1), hp = pair(B * H), act3 = pair(4 * B * H), h3 = pair(B * H);
        run((k, s) => k.gruForward(B, H, gx3[s], 1, gh3[s], 1, bias3[s], 1, hp[s], 1, act3[s], 1, h3[s], 1));
        check('gruForward', { act3, h3 });
        const dh3 = pair(B * H), dhp = pair(B * H), dgx = pair(3 * B * H), dgh = pair(3 * B * H);
        run((k, s) => k.gruBackward(B, H, act3[s], 1, hp[s], 1, dh3[s], 1, dhp[s], 1, dgx[s], 1, dgh[s], 1));
        check('gruBackward', { dhp, dgx, dgh });
        run((k, s) => k.gruBackward(B, H, act3[s], 1, hp[s], 1, dh3[s], 1, dh3[s], 1, dgx[s], 1, dgh[s], 1));
        check('gruBackward in place', { dh3, dgx, dgh });
        run((k, s) => k.gruForward(B, H, gx3[s], 0, null, 0, null, 0, hp[s], 0, act3[s], 0, h3[s], 0));
        check('gruForward nulls', { act3, h3 });
        const gxr = pair(B * H), ghr = pair(B * H), biasr = pair(2 * H, 1), hr = pair(B * H), dhr = pair(B * H), dgr = pair(B * H);
        run((k, s) => k.rnnForward(B, H, gxr[s], 2, ghr[s], 2, biasr[s], 2, hr[s], 2));
        run((k, s) => k.rnnBackward(B, H, hr[s], 2, dhr[s], 2, dgr[s], 2));
        check('rnn', { hr, dgr });
        // the check can fail: a changed output is seen
        dgr.w[3] += 0.01;
        assert.ok(maxRelErr(dgr.w, dgr.r) > 1e-5);
      }
    });
  });

  it('σ and tanh are accurate over a wide range', () => {
    const n = 4096;
    const gx = new Float32Array(n), h = new Float32Array(n);
    for (let i = 0; i < n; i++) gx[i] = -40 + 80 * i / (n - 1);
    gx[7] = 1e-6; gx[8] = -1e-7; gx[9] = 0.62; gx[10] = 0.63;
    nk.rnnForward(1, n, gx, 0, null, 0, null, 0, h, 0);
    let m = 0;
    for (let i = 0; i < n; i++) m = Math.max(m, Math.abs(h[i] - Math.tanh(gx[i])) / Math.max(1e-3, Math.abs(Math.tanh(gx[i]))));
    assert.ok(m < 1e-6, `tanh rel err ${m}`);
    const B = 1, H = n, act = new Float32Array(4 * n), c = new Float32Array(n), hh = new Float32Array(n), g4 = new Float32Array(4 * n);
    for (let i = 0; i < n; i++) g4[i] = gx[i]; // the i gate spans the range; o, f, c̃ are 0
    nk.lstmForward(B, H, g4, 0, null, 0, null, 0, new Float32Array(n), 0, act, 0, c, 0, hh, 0);
    let ms = 0;
    for (let i = 0; i < n; i++) ms = Math.max(ms, Math.abs(act[i] - 1 / (1 + Math.exp(-gx[i]))));
    assert.ok(ms < 3e-7, `σ abs err ${ms}`);
  });

  it('whole-array kernels equal the TS loops: Adam, Σx² and clipping, softmax cross-entropy', () => {
    const rng = new Rng(3);
    const n = 70_001; // not a multiple of 8; above the size that splits Adam over threads
    const p = fill(new Float32Array(n), rng), g = fill(new Float32Array(n), rng, 0.1);
    const p2 = Float32Array.from(p);
    const o1 = new Optimizer('adam', n), o2 = new Optimizer('adam', n);
    const hyper = { lr: 1e-2, momentum: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-3 };
    for (const threads of [1, 2]) {
      nk.setThreads(threads);
      for (let s = 0; s < 3; s++) { o1.step(p, g, hyper, nk); o2.step(p2, g, hyper); }
      assert.ok(maxRelErr(p, p2) < 1e-6, `adam params, ${threads} threads: ${maxRelErr(p, p2)}`);
      assert.ok(maxRelErr(o1.state, o2.state) < 1e-6, 'adam state');
    }
    assert.ok(maxRelErr(p, Float32Array.from(p2, (x, i) => (i === 9 ? x + 0.1 : x))) > 1e-5, 'the comparison can fail');
    // Σx² and the clip
    const g2 = Float32Array.from(g), g3 = Float32Array.from(g);
    const n1 = clipGradNorm(g2, 0.5, nk), n2 = clipGradNorm(g3, 0.5);
    assert.ok(Math.abs(n1 - n2) / n2 < 1e-9, `norm ${n1} vs ${n2}`);
    assert.ok(n2 > 0.5 && maxRelErr(g2, g3) < 1e-7);
    // softmax + cross-entropy (V=65 is not a multiple of 8)
    const N = 37, V = 65;
    const logits = fill(new Float32Array(N * V), rng, 20), targets = new Int32Array(N).map((_, i) => (i * 7) % V);
    const pa = new Float32Array(N * V), pb = new Float32Array(N * V);
    const sum = nk.crossEntropy(pa, logits, targets, N, V);
    const mean = crossEntropyForward(pb, logits, targets, N, V);
    assert.ok(sum !== null && Math.abs(sum / N - mean) < 1e-5, `loss ${sum === null ? sum : sum / N} vs ${mean}`);
    assert.ok(maxRelErr(pa, pb) < 1e-6, 'probabilities');
    // not for it: float64 arrays and plain-array targets go to the TS loops (null/false), bad ids throw
    assert.equal(nk.crossEntropy(new Float64Array(N * V), Float64Array.from(logits), targets, N, V), null);
    assert.equal(nk.crossEntropy(pa, logits, Array.from(targets), N, V), null);
    assert.equal(nk.sumSquares(3, new Float64Array(3)), null);
    assert.throws(() => nk.crossEntropy(pa, logits, Int32Array.from(targets, (t, i) => (i === 3 ? V : t)), N, V), /out of range/);
  });

  it('float64 arrays go to the reference kernels; views too short for the shapes throw instead of touching memory', () => {
    const C = new Float64Array(6), A = new Float64Array([1, 2, 3]), B = new Float64Array([1, 1]);
    nk.gemm(false, false, 3, 2, 1, A, 0, 1, B, 0, 2, 0, C, 0, 2);
    assert.deepEqual([...C], [1, 1, 2, 2, 3, 3]);
    const a32 = new Float32Array(4), c32 = new Float32Array(4);
    assert.throws(() => nk.gemm(false, false, 2, 2, 2, a32, 1, 2, a32, 0, 2, 0, c32, 0, 2), RangeError);
    assert.throws(() => nk.lstmForward(2, 8, new Float32Array(10), 0, null, 0, null, 0, new Float32Array(16), 0, new Float32Array(64), 0, new Float32Array(16), 0, new Float32Array(16), 0), RangeError);
  });

  // The rule: speed must not change the math. 300 Adam steps on the same seed land within 0.03 nats of the
  // reference engine's validation loss, for each cell, with one and two threads.
  for (const cell of ['lstm', 'gru', 'rnn'] as CellType[]) {
    it(`${cell}: 300 training steps match the reference engine's validation loss (1 and 2 threads)`, () => {
      const text = 'the quick brown fox jumps over the lazy dog; pack my box with five dozen liquor jugs.\n'.repeat(60);
      const vocab = Vocab.fromText(text);
      const ids = Int32Array.from(vocab.encode(text));
      const B = 8, T = 16;
      const train = (kernels: typeof refKernels) => {
        const config = charConfig({ cell, layers: 2, hidden: 24, emb: 8, vocab: vocab.size });
        const model = new Model(config, { kernels });
        const opts = resolveOptions({ cell, layers: 2, hidden: 24, emb: 8, batch: B, seq: T, lr: 3e-3, clip: 5, steps: 300, evalEvery: 1e9, seed: 4, sampleChars: 0 });
        const split = splitTrainVal(ids.length, 0.1);
        const tr = new Trainer(model, opts, new StreamBatcher(ids, split.train[0], split.train[1], B, T), new StreamBatcher(ids, split.val[0], split.val[1], B, T));
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
