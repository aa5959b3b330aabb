import assert from 'node:assert/strict';
import { gemmRef } from '../../src/engine/kernels';
import { Rng } from '../../src/engine/rng';

/** The textbook definition, element by element: the reference GEMM must equal it in every transpose case. */
function naive(
  tA: boolean,
  tB: boolean,
  M: number,
  N: number,
  K: number,
  A: Float64Array,
  aOff: number,
  lda: number,
  B: Float64Array,
  bOff: number,
  ldb: number,
  beta: number,
  C: Float64Array,
  cOff: number,
  ldc: number,
) {
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += (tA ? A[aOff + k * lda + i] : A[aOff + i * lda + k]) * (tB ? B[bOff + j * ldb + k] : B[bOff + k * ldb + j]);
      C[cOff + i * ldc + j] = beta * C[cOff + i * ldc + j] + s;
    }
}

describe('reference GEMM', () => {
  const rng = new Rng(5);
  for (const [tA, tB] of [
    [false, false],
    [false, true],
    [true, false],
    [true, true],
  ]) {
    for (const beta of [0, 1, 0.5]) {
      it(`transA=${tA} transB=${tB} beta=${beta} with offsets and leading dims`, () => {
        const M = 5,
          N = 7,
          K = 3,
          lda = (tA ? M : K) + 2,
          ldb = (tB ? K : N) + 1,
          ldc = N + 3;
        const A = Float64Array.from({ length: 4 + lda * (tA ? K : M) }, () => rng.normal());
        const B = Float64Array.from({ length: 3 + ldb * (tB ? N : K) }, () => rng.normal());
        const C1 = Float64Array.from({ length: 2 + ldc * M }, () => rng.normal());
        const C2 = C1.slice();
        gemmRef(tA, tB, M, N, K, A, 4, lda, B, 3, ldb, beta, C1, 2, ldc);
        naive(tA, tB, M, N, K, A, 4, lda, B, 3, ldb, beta, C2, 2, ldc);
        for (let i = 0; i < C1.length; i++) assert.ok(Math.abs(C1[i] - C2[i]) < 1e-12, `C[${i}] ${C1[i]} vs ${C2[i]}`);
      });
    }
  }
});
