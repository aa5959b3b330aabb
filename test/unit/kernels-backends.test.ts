/**
 * One kernel suite over every fast backend: the native AVX2/FMA kernels (1 and 2 threads) and the WebAssembly SIMD
 * kernels (plain and relaxed/FMA builds) must each equal the TypeScript references (gemmRef, refFused, the optimizer
 * and loss loops) on the same cases. What only one backend has (the WASM memory and helper threads, the native
 * thread pool and the float64 fallback) is tested in kernels-wasm.test.ts and kernels-native.test.ts.
 * Every buffer comes from the backend's own `alloc`, as the engine allocates them.
 */
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import { gemmRef, type Kernels } from '../../src/engine/kernels';
import type { NativeKernels } from '../../src/engine/kernels-native';
import { createWasmKernels } from '../../src/engine/kernels-wasm';
import { crossEntropyForward } from '../../src/engine/layers';
import { clipGradNorm, Optimizer } from '../../src/engine/optim';
import { type FusedKernels, refFused } from '../../src/engine/pointwise';
import { Rng } from '../../src/engine/rng';
import { loadNativeKernels, nativeLoadError } from '../../src/worker/kernels-native';
import { fill, maxRelErr } from './helpers';

// Node 20 (V8 11.3) has relaxed SIMD behind a flag; Electron and Node >= 22 have it on
v8.setFlagsFromString('--experimental-wasm-relaxed-simd');

/** `wholeArray`: the backend has its own Adam, Σx², scaling and cross-entropy (the WASM one leaves them to the TS loops) */
interface Backend {
  name: string;
  wholeArray: boolean;
  make(): Promise<Kernels>;
}
const native = (threads: number): Backend => ({
  name: `native, ${threads} thread${threads > 1 ? 's' : ''}`,
  wholeArray: true,
  async make() {
    // npm test builds it (esbuild.mjs); a bare mocha run builds it here. It must exist on the machines we test on.
    const { buildNative } = await import('../../scripts/build-native.mjs' as string);
    buildNative();
    const k = loadNativeKernels();
    assert.ok(k, `the native kernels must build and load here: ${nativeLoadError}`);
    assert.equal((k as NativeKernels).setThreads(threads), threads);
    return k;
  },
});
const wasm = (simd: 'plain' | 'relaxed'): Backend => ({
  name: `wasm ${simd}`,
  wholeArray: false,
  async make() {
    const k = createWasmKernels({ simd, minGemmWork: 0 });
    assert.ok(k, `the ${simd} WASM backend must load in Node 20`);
    return k;
  },
});

for (const backend of [native(1), native(2), wasm('plain'), wasm('relaxed')]) {
  describe(`kernel backend: ${backend.name}`, function () {
    this.timeout(120_000);
    let k: Kernels;
    before(async () => {
      k = await backend.make();
    });
    after(() => {
      (k as Partial<NativeKernels>).setThreads?.(1);
    });

    for (const tA of [false, true])
      for (const tB of [false, true]) {
        it(`gemm transA=${tA} transB=${tB} equals gemmRef: odd and training-like sizes, vectors, offsets, leading dims, beta 0/1/0.5`, () => {
          const rng = new Rng(11 + (tA ? 2 : 0) + (tB ? 1 : 0));
          // edges of the tiles, several cache blocks, the recurrent shapes (B=32 against 4H), matrix-vector products
          const shapes = [
            [1, 1, 1],
            [1, 37, 300],
            [45, 1, 20],
            [7, 19, 5],
            [6, 16, 8],
            [13, 33, 257],
            [32, 512, 128],
            [32, 128, 512],
            [130, 70, 40],
            [250, 100, 600],
            [64, 64, 64],
            [2, 300, 3],
            [17, 129, 3],
          ];
          let checked = 0;
          for (const [M, N, K] of shapes)
            for (const beta of [0, 1, 0.5]) {
              const pad = (M + N + K) % 5;
              const lda = (tA ? M : K) + pad,
                ldb = (tB ? K : N) + pad,
                ldc = N + ((pad + 2) % 4);
              const aOff = 3,
                bOff = 5,
                cOff = 7;
              const A = fill(k.alloc(aOff + (tA ? K : M) * lda), rng),
                B = fill(k.alloc(bOff + (tB ? N : K) * ldb), rng);
              const C = fill(k.alloc(cOff + M * ldc + 3), rng),
                Cref = Float64Array.from(C);
              k.gemm(tA, tB, M, N, K, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
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
      // H=13 exercises the vector body and the scalar tail; B·H ≥ 16384 splits the rows over threads
      for (const [B, H] of [
        [3, 13],
        [64, 260],
      ]) {
        const rng = new Rng(5 + B);
        type Buf = { w: Float32Array; r: Float32Array };
        const pair = (n: number, scale = 3): Buf => {
          const w = fill(k.alloc(n + 4) as Float32Array, rng, scale);
          return { w, r: Float32Array.from(w) };
        };
        const run = (f: (kk: FusedKernels, s: 'w' | 'r') => void) => {
          f(k, 'w');
          f(refFused, 'r');
        };
        const check = (name: string, bufs: Record<string, Buf>) => {
          for (const [n, b] of Object.entries(bufs)) {
            const e = maxRelErr(b.w, b.r);
            assert.ok(e <= 1e-5, `${name} B=${B} H=${H}: ${n} rel err ${e}`);
          }
        };
        const o = 2;
        const gx = pair(4 * B * H),
          gh = pair(4 * B * H),
          bias = pair(8 * H, 1),
          cp = pair(B * H),
          act = pair(4 * B * H),
          c = pair(B * H),
          h = pair(B * H);
        run((kk, s) => kk.lstmForward(B, H, gx[s], o, gh[s], o, bias[s], o, cp[s], o, act[s], o, c[s], o, h[s], o));
        check('lstmForward', { act, c, h, gx, gh });
        const dh = pair(B * H),
          dc = pair(B * H),
          dg = pair(4 * B * H);
        run((kk, s) => kk.lstmBackward(B, H, act[s], o, cp[s], o, c[s], o, dh[s], o, dc[s], o, dg[s], o));
        check('lstmBackward', { dc, dg });
        // in place over gx with null gh and bias, as the engine calls it; and act in place over gh
        run((kk, s) => kk.lstmForward(B, H, gx[s], 0, null, 0, null, 0, cp[s], 0, gx[s], 0, c[s], 0, h[s], 0));
        check('lstmForward in place', { gx, c, h });
        run((kk, s) => kk.lstmForward(B, H, gx[s], 0, gh[s], 0, bias[s], 0, cp[s], 0, gh[s], 0, c[s], 0, h[s], 0));
        check('lstmForward act = gh', { gh, c, h });
        const gx3 = pair(3 * B * H),
          gh3 = pair(3 * B * H),
          bias3 = pair(6 * H, 1),
          hp = pair(B * H),
          act3 = pair(4 * B * H),
          h3 = pair(B * H);
        run((kk, s) => kk.gruForward(B, H, gx3[s], 1, gh3[s], 1, bias3[s], 1, hp[s], 1, act3[s], 1, h3[s], 1));
        check('gruForward', { act3, h3 });
        const dh3 = pair(B * H),
          dhp = pair(B * H),
          dgx = pair(3 * B * H),
          dgh = pair(3 * B * H);
        run((kk, s) => kk.gruBackward(B, H, act3[s], 1, hp[s], 1, dh3[s], 1, dhp[s], 1, dgx[s], 1, dgh[s], 1));
        check('gruBackward', { dhp, dgx, dgh });
        run((kk, s) => kk.gruBackward(B, H, act3[s], 1, hp[s], 1, dh3[s], 1, dh3[s], 1, dgx[s], 1, dgh[s], 1));
        check('gruBackward in place', { dh3, dgx, dgh });
        run((kk, s) => kk.gruForward(B, H, gx3[s], 0, null, 0, null, 0, hp[s], 0, act3[s], 0, h3[s], 0));
        check('gruForward nulls', { act3, h3 });
        const gxr = pair(B * H),
          ghr = pair(B * H),
          biasr = pair(2 * H, 1),
          hr = pair(B * H),
          dhr = pair(B * H),
          dgr = pair(B * H);
        run((kk, s) => kk.rnnForward(B, H, gxr[s], 2, ghr[s], 2, biasr[s], 2, hr[s], 2));
        run((kk, s) => kk.rnnBackward(B, H, hr[s], 2, dhr[s], 2, dgr[s], 2));
        check('rnn', { hr, dgr });
        // the check can fail: a changed output is seen
        dgr.w[3] += 0.01;
        assert.ok(maxRelErr(dgr.w, dgr.r) > 1e-5);
      }
    });

    it('σ and tanh are accurate over a wide range (through the RNN and LSTM kernels)', () => {
      const n = 4096;
      const gx = k.alloc(n) as Float32Array,
        h = k.alloc(n) as Float32Array;
      for (let i = 0; i < n; i++) gx[i] = -40 + (80 * i) / (n - 1);
      gx[7] = 1e-6;
      gx[8] = -1e-7;
      gx[9] = 0.62;
      gx[10] = 0.63;
      k.rnnForward(1, n, gx, 0, null, 0, null, 0, h, 0);
      let m = 0;
      for (let i = 0; i < n; i++) m = Math.max(m, Math.abs(h[i]! - Math.tanh(gx[i]!)));
      assert.ok(m < 3e-7, `tanh abs err ${m}`);
      const act = k.alloc(4 * n) as Float32Array,
        c = k.alloc(n),
        hh = k.alloc(n),
        g4 = k.alloc(4 * n) as Float32Array;
      for (let i = 0; i < n; i++) g4[i] = gx[i]!; // the i gate spans the range; o, f, c̃ are 0
      k.lstmForward(1, n, g4, 0, null, 0, null, 0, k.alloc(n), 0, act, 0, c, 0, hh, 0);
      let ms = 0;
      for (let i = 0; i < n; i++) ms = Math.max(ms, Math.abs(act[i]! - 1 / (1 + Math.exp(-gx[i]!))));
      assert.ok(ms < 3e-7, `σ abs err ${ms}`);
    });

    if (backend.wholeArray)
      it('whole-array kernels equal the TS loops: Adam, Σx² and clipping, softmax cross-entropy', () => {
        assert.ok(k.adam && k.sumSquares && k.crossEntropy, 'the backend has its whole-array kernels');
        const rng = new Rng(3);
        const n = 70_001; // not a multiple of 8; above the size that splits Adam over threads
        const p = fill(k.alloc(n) as Float32Array, rng),
          g = fill(k.alloc(n) as Float32Array, rng, 0.1);
        const p2 = Float32Array.from(p);
        const o1 = new Optimizer('adam', n),
          o2 = new Optimizer('adam', n);
        const hyper = { lr: 1e-2, momentum: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-3 };
        for (let s = 0; s < 3; s++) {
          o1.step(p, g, hyper, k);
          o2.step(p2, g, hyper);
        }
        assert.ok(maxRelErr(p, p2) < 1e-6, `adam params: ${maxRelErr(p, p2)}`);
        assert.ok(maxRelErr(o1.state, o2.state) < 1e-6, 'adam state');
        const g2 = Float32Array.from(g),
          g3 = Float32Array.from(g);
        const n1 = clipGradNorm(g2, 0.5, k),
          n2 = clipGradNorm(g3, 0.5);
        assert.ok(Math.abs(n1 - n2) / n2 < 1e-6, `norm ${n1} vs ${n2}`);
        assert.ok(n2 > 0.5 && maxRelErr(g2, g3) < 1e-6);
        const N = 37,
          V = 65;
        const logits = fill(k.alloc(N * V) as Float32Array, rng, 20),
          targets = new Int32Array(N).map((_, i) => (i * 7) % V);
        const pa = k.alloc(N * V) as Float32Array,
          pb = new Float32Array(N * V);
        const sum = k.crossEntropy!(pa, logits, targets, N, V);
        const mean = crossEntropyForward(N, V, logits, targets, pb);
        assert.ok(sum !== null && Math.abs(sum / N - mean) < 1e-5, `loss ${sum === null ? sum : sum / N} vs ${mean}`);
        assert.ok(maxRelErr(pa, pb) < 1e-6, 'probabilities');
      });
  });
}
