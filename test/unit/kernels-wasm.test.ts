import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import { gemmRef } from '../../src/engine/kernels';
import { Rng } from '../../src/engine/rng';
import { createWasmKernels, refFastKernels, type WasmKernels } from '../../src/engine/kernels-wasm';
import { KERNEL_HELPER_SOURCE } from '../../src/engine/wasm/helpers';
import { type FusedKernels, refFused } from '../../src/engine/pointwise';
import { fill, maxRelErr } from './helpers';

// Node 20 (V8 11.3) has relaxed SIMD behind a flag; Electron and Node >= 22 have it on. Test both builds.
v8.setFlagsFromString('--experimental-wasm-relaxed-simd');

describe('WASM SIMD kernels', () => {
  for (const simd of ['plain', 'relaxed'] as const)
    describe(`${simd} build`, () => {
      let wk: WasmKernels;
      before(() => {
        const k = createWasmKernels({ simd, minGemmWork: 0 });
        assert.ok(k, `the ${simd} WASM backend must load in Node 20`);
        assert.equal(k.name, simd === 'plain' ? 'wasm-simd' : 'wasm-simd-fma');
        wk = k;
      });

      describe('gemm equals gemmRef', () => {
        // the transposes, odd sizes, offsets and leading dims: kernels-backends.test.ts (every backend)
        it("large K and M (several KC/MC blocks), against float64, relative to the products' magnitude", () => {
          // With K=600 even the float32 reference is ~1e-5 off the exact sum, so here both sides are compared to
          // float64 and the error is taken relative to Σ_k |a_ik·b_kj| (the natural scale of rounding error).
          const rng = new Rng(3);
          const M = 300,
            N = 70,
            K = 600;
          const A = fill(wk.alloc(K * M), rng),
            B = fill(wk.alloc(K * N), rng);
          const C = wk.alloc(M * N),
            exact = new Float64Array(M * N),
            mag = new Float64Array(M * N);
          wk.gemm(true, false, M, N, K, A, 0, M, B, 0, N, 0, C, 0, N);
          gemmRef(true, false, M, N, K, Float64Array.from(A), 0, M, Float64Array.from(B), 0, N, 0, exact, 0, N);
          gemmRef(true, false, M, N, K, Float64Array.from(A, Math.abs), 0, M, Float64Array.from(B, Math.abs), 0, N, 0, mag, 0, N);
          const err = () => {
            let m = 0;
            for (let i = 0; i < M * N; i++) m = Math.max(m, Math.abs(C[i] - exact[i]) / Math.max(1, mag[i]));
            return m;
          };
          assert.ok(err() <= 1e-6, `rel err ${err()}`);
          // the check can fail: a one-element perturbation of 1e-5 of the magnitude is detected
          C[123] += 1e-5 * mag[123];
          assert.ok(err() > 1e-6);
        });

        it('accepts arrays outside its memory (Float32Array copied, Float64Array via the reference)', () => {
          const rng = new Rng(11);
          const M = 33,
            N = 40,
            K = 19;
          for (const ctor of [Float32Array, Float64Array]) {
            const A = new ctor(2 + M * K).map(() => rng.uniform(-1, 1));
            const B = new ctor(1 + N * K).map(() => rng.uniform(-1, 1));
            const C = new ctor(4 + M * N + 2).map(() => rng.uniform(-1, 1));
            const Cref = ctor.from(C);
            wk.gemm(false, true, M, N, K, A, 2, K, B, 1, K, 0.25, C, 4, N);
            gemmRef(false, true, M, N, K, A, 2, K, B, 1, K, 0.25, Cref, 4, N);
            assert.ok(maxRelErr(C, Cref) <= 1e-5, `${ctor.name}: rel err ${maxRelErr(C, Cref)}`);
          }
          // mixed: A foreign, B and C in memory
          const A = fill(new Float32Array(M * K), rng),
            B = fill(wk.alloc(K * N), rng),
            C = fill(wk.alloc(M * N), rng);
          const Cref = Float32Array.from(C);
          wk.gemm(false, false, M, N, K, A, 0, K, B, 0, N, 1, C, 0, N);
          gemmRef(false, false, M, N, K, A, 0, K, B, 0, N, 1, Cref, 0, N);
          assert.ok(maxRelErr(C, Cref) <= 1e-5);
        });

        it('rejects out-of-range views instead of touching other buffers', () => {
          const A = wk.alloc(10),
            B = wk.alloc(10),
            C = wk.alloc(10);
          assert.throws(() => wk.gemm(false, false, 4, 4, 4, A, 0, 4, B, 0, 4, 0, C, 0, 4), RangeError);
        });
      });

      describe('memory', () => {
        it('alloc returns zeroed views that survive memory growth', () => {
          const a = wk.alloc(1000);
          assert.ok(a.every((v) => v === 0));
          a[999] = 42;
          const before = wk.memory.buffer.byteLength;
          const big = wk.alloc(8 << 20); // 32 MiB: forces grow
          assert.ok(wk.memory.buffer.byteLength > before);
          assert.equal(a[999], 42, 'old view still valid after grow');
          assert.equal(a.length, 1000);
          assert.ok(big[big.length - 1] === 0 && wk.owns(a) && wk.owns(big));
          assert.ok(!wk.owns(new Float32Array(4)));
          // gemm on a view created before the grow
          const A = wk.alloc(6).fill(1),
            B = a.subarray(0, 6).fill(2),
            C = wk.alloc(4);
          wk.gemm(false, false, 2, 2, 3, A, 0, 3, B, 0, 2, 0, C, 0, 2);
          assert.deepEqual(Array.from(C), [6, 6, 6, 6]);
        });

        it('a second backend can share the same memory (for worker threads)', () => {
          const other = createWasmKernels({ memory: wk.memory, minGemmWork: 0 })!;
          const a = wk.alloc(16),
            b = other.alloc(16);
          assert.ok(b.byteOffset >= a.byteOffset + 64, 'allocations do not overlap');
          assert.ok(other.owns(a) || other.memory === wk.memory);
        });
      });

      describe('fused cell kernels (their results against refFused: kernels-backends.test.ts)', () => {
        const B = 3,
          H = 13;
        it('falls back to the reference for buffers outside its memory', () => {
          const gx = new Float64Array(B * H).fill(0.3),
            gh = new Float64Array(B * H),
            bias = new Float64Array(2 * H),
            h = new Float64Array(B * H);
          wk.rnnForward(B, H, gx, 0, gh, 0, bias, 0, h, 0);
          assert.ok(Math.abs(h[5] - Math.tanh(0.3)) < 1e-12);
        });
      });
    });

  it('a helper thread on the shared memory splits products (by columns or rows) and pointwise steps (by rows), with the same results', async function () {
    this.timeout(60000);
    const wk = createWasmKernels({ minGemmWork: 0 })!;
    const worker = new Worker(KERNEL_HELPER_SOURCE, { eval: true, workerData: wk.createHelper() });
    const exited = new Promise<number>((res) => worker.on('exit', res));
    try {
      for (let i = 0; i < 500 && wk.readyHelpers() === 0; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(wk.readyHelpers(), 1, 'helper started');
      wk.pool.parallelMinWork = 0;
      const rng = new Rng(5);
      // N >= 32: split by columns (odd N: last part partial); N < 32: split by rows
      for (const [M, N, K] of [
        [37, 100, 19],
        [64, 517, 33],
        [130, 9, 40],
        [5, 3, 7],
      ]) {
        for (const tA of [false, true])
          for (const tB of [false, true])
            for (const beta of [0, 1, -0.5]) {
              const lda = (tA ? M : K) + 1,
                ldb = (tB ? K : N) + 2,
                ldc = N + 3;
              const A = fill(wk.alloc(2 + (tA ? K : M) * lda), rng),
                B = fill(wk.alloc(1 + (tB ? N : K) * ldb), rng);
              const C = fill(wk.alloc(4 + M * ldc), rng),
                Cref = Float32Array.from(C);
              wk.gemm(tA, tB, M, N, K, A, 2, lda, B, 1, ldb, beta, C, 4, ldc);
              gemmRef(tA, tB, M, N, K, A, 2, lda, B, 1, ldb, beta, Cref, 4, ldc);
              assert.ok(maxRelErr(C, Cref) <= 1e-5, `M=${M} N=${N} K=${K} tA=${tA} tB=${tB} beta=${beta}: ${maxRelErr(C, Cref)}`);
            }
      }
      assert.equal(wk.pool.jobs, 4 * 4 * 3, 'every product was split');
      // pointwise kernels split by rows of B (B=5: 3 rows here, 2 on the helper), against the TS references
      wk.pool.parallelMinPointwise = 0;
      const Bp = 5,
        H = 13,
        n = Bp * H;
      const mk = (m: number, scale = 3) => {
        const w = fill(wk.alloc(m), rng, scale);
        return { w, r: Float32Array.from(w) };
      };
      const gx = mk(4 * n),
        gh = mk(4 * n),
        bias = mk(8 * H, 1),
        cp = mk(n),
        act = mk(4 * n),
        c = mk(n),
        h = mk(n);
      const dh = mk(n),
        dc = mk(n),
        dg = mk(4 * n),
        dg2 = mk(4 * n);
      const both = (f: (k: FusedKernels, s: 'w' | 'r') => void) => {
        f(wk, 'w');
        f(refFused, 'r');
      };
      both((k, s) => k.lstmForward(Bp, H, gx[s], 0, gh[s], 0, bias[s], 0, cp[s], 0, act[s], 0, c[s], 0, h[s], 0));
      both((k, s) => k.lstmBackward(Bp, H, act[s], 0, cp[s], 0, c[s], 0, dh[s], 0, dc[s], 0, dg[s], 0));
      both((k, s) => k.gruForward(Bp, H, gx[s], 0, null, 0, bias[s], 0, cp[s], 0, act[s], 0, h[s], 0));
      both((k, s) => k.gruBackward(Bp, H, act[s], 0, cp[s], 0, dh[s], 0, dc[s], 0, dg[s], 0, dg2[s], 0));
      both((k, s) => k.rnnForward(Bp, H, gx[s], 0, gh[s], 0, bias[s], 0, c[s], 0));
      both((k, s) => k.rnnBackward(Bp, H, c[s], 0, dh[s], 0, dg2[s], 0));
      for (const [name, b] of Object.entries({ act, c, h, dc, dg, dg2 })) assert.ok(maxRelErr(b.w, b.r) <= 1e-5, `${name}: ${maxRelErr(b.w, b.r)}`);
      assert.equal(wk.pool.jobs, 4 * 4 * 3 + 6, 'every pointwise step was split');
    } finally {
      wk.stopHelpers();
    }
    assert.equal(await exited, 0);
  });

  it('refFastKernels is a complete backend', () => {
    assert.equal(typeof refFastKernels.lstmForward, 'function');
    const C = refFastKernels.alloc(1);
    refFastKernels.gemm(false, false, 1, 1, 1, [2] as unknown as Float32Array, 0, 1, Float32Array.of(3), 0, 1, 0, C, 0, 1);
    assert.equal(C[0], 6);
  });

  it('the committed module bytes match a fresh build of the generator', async function () {
    this.timeout(60000);
    const gen = await import('../../scripts/build-wasm.mjs');
    const fresh: string = await gen.kernelsModuleSource();
    const committed = readFileSync(gen.OUT, 'utf8');
    assert.equal(committed, fresh, 'src/engine/wasm/kernels-bytes.ts is stale: run `npm run build`');
  });
});
