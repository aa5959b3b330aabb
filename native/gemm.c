/* The packed sgemm: packing op(A) and op(B) into panels, the 6×16 AVX2/FMA micro-kernel, one part of a product. Part of seqlab_kernels.c (one translation unit: it includes every part in order). */
// ------------------------------------------------------------------------------------------------------------
// GEMM

typedef struct {
  int M, N, K;
  const float *A; long rsA, csA; // op(A)[i,k] = A[i*rsA + k*csA]
  const float *B; long rsB, csB; // op(B)[k,j] = B[k*rsB + j*csB]
  float *C; long rsC, csC;       // C[i,j] = C[i*rsC + j*csC]
  float beta;
  int packA;                     // pack op(A) into MR-row panels (else read in place)
} gemm_t;

typedef struct { float *bp; float *ap; size_t bcap, acap; } scratch_t;

static float *grow(float **p, size_t *cap, size_t n) {
  if (*cap < n) {
    free(*p);
    *p = aligned_alloc(64, ((n * sizeof(float)) + 63) / 64 * 64);
    *cap = *p ? n : 0;
  }
  return *p;
}

/* Pack op(B)[k0..k0+kc, j0..j0+nc] into NR-column panels: bp[p*kc*NR + k*NR + c], zero-padded. */
static void packB(const gemm_t *g, int k0, int kc, int j0, int nc, float *bp) {
  for (int p = 0; p < nc; p += NR) {
    int nr = nc - p < NR ? nc - p : NR;
    float *dst = bp + (size_t)(p / NR) * kc * NR;
    const float *src = g->B + (size_t)k0 * g->rsB + (size_t)(j0 + p) * g->csB;
    if (g->csB == 1 && nr == NR) {
      for (int k = 0; k < kc; k++) {
        const float *s = src + (size_t)k * g->rsB;
        _mm256_store_ps(dst + k * NR, _mm256_loadu_ps(s));
        _mm256_store_ps(dst + k * NR + 8, _mm256_loadu_ps(s + 8));
      }
    } else {
      if (nr < NR) memset(dst, 0, sizeof(float) * kc * NR);
      for (int c = 0; c < nr; c++) {
        const float *s = src + (size_t)c * g->csB;
        for (int k = 0; k < kc; k++) dst[k * NR + c] = s[(size_t)k * g->rsB];
      }
    }
  }
}

/* Pack op(A)[i0..i0+mc, k0..k0+kc] into MR-row panels: ap[p*kc*MR + k*MR + r], zero-padded. */
static void packA(const gemm_t *g, int i0, int mc, int k0, int kc, float *ap) {
  for (int p = 0; p < mc; p += MR) {
    int mr = mc - p < MR ? mc - p : MR;
    float *dst = ap + (size_t)(p / MR) * kc * MR;
    const float *src = g->A + (size_t)(i0 + p) * g->rsA + (size_t)k0 * g->csA;
    if (mr < MR) memset(dst, 0, sizeof(float) * kc * MR);
    if (g->rsA == 1) {
      for (int k = 0; k < kc; k++) for (int r = 0; r < mr; r++) dst[k * MR + r] = src[(size_t)k * g->csA + r];
    } else {
      for (int r = 0; r < mr; r++) {
        const float *s = src + (size_t)r * g->rsA;
        for (int k = 0; k < kc; k++) dst[k * MR + r] = s[(size_t)k * g->csA];
      }
    }
  }
}

/* Write the MR×NR accumulator tile into C (mr×nr of it): C = beta*C + acc. */
static inline __attribute__((always_inline)) void storeTile(__m256 c[MR][2], int mr, int nr, float *C, long rsC, long csC, float beta) {
  if (nr == NR && csC == 1) {
    __m256 vb = _mm256_set1_ps(beta);
    for (int r = 0; r < mr; r++) {
      float *cr = C + r * rsC;
      if (beta == 0.0f) { _mm256_storeu_ps(cr, c[r][0]); _mm256_storeu_ps(cr + 8, c[r][1]); }
      else if (beta == 1.0f) {
        _mm256_storeu_ps(cr, _mm256_add_ps(_mm256_loadu_ps(cr), c[r][0]));
        _mm256_storeu_ps(cr + 8, _mm256_add_ps(_mm256_loadu_ps(cr + 8), c[r][1]));
      } else {
        _mm256_storeu_ps(cr, _mm256_fmadd_ps(vb, _mm256_loadu_ps(cr), c[r][0]));
        _mm256_storeu_ps(cr + 8, _mm256_fmadd_ps(vb, _mm256_loadu_ps(cr + 8), c[r][1]));
      }
    }
    return;
  }
  float t[MR * NR] __attribute__((aligned(32)));
  for (int r = 0; r < MR; r++) { _mm256_store_ps(t + r * NR, c[r][0]); _mm256_store_ps(t + r * NR + 8, c[r][1]); }
  for (int r = 0; r < mr; r++)
    for (int j = 0; j < nr; j++) {
      float *p = C + r * rsC + j * csC;
      *p = beta == 0.0f ? t[r * NR + j] : beta * *p + t[r * NR + j];
    }
}

/* acc = Σ_k a[r*ars + k*acs] * bp[k*NR + c]; ars/acs are constants at the packed call site. */
static inline __attribute__((always_inline)) void ukernel(int kc, const float *a, long ars, long acs, const float *bp,
    int mr, int nr, float *C, long rsC, long csC, float beta) {
  __m256 c[MR][2];
  for (int r = 0; r < MR; r++) c[r][0] = c[r][1] = _mm256_setzero_ps();
  for (int k = 0; k < kc; k++) {
    __m256 b0 = _mm256_load_ps(bp), b1 = _mm256_load_ps(bp + 8);
    __m256 a0 = _mm256_broadcast_ss(a), a1 = _mm256_broadcast_ss(a + ars);
    c[0][0] = _mm256_fmadd_ps(a0, b0, c[0][0]); c[0][1] = _mm256_fmadd_ps(a0, b1, c[0][1]);
    c[1][0] = _mm256_fmadd_ps(a1, b0, c[1][0]); c[1][1] = _mm256_fmadd_ps(a1, b1, c[1][1]);
    a0 = _mm256_broadcast_ss(a + 2 * ars); a1 = _mm256_broadcast_ss(a + 3 * ars);
    c[2][0] = _mm256_fmadd_ps(a0, b0, c[2][0]); c[2][1] = _mm256_fmadd_ps(a0, b1, c[2][1]);
    c[3][0] = _mm256_fmadd_ps(a1, b0, c[3][0]); c[3][1] = _mm256_fmadd_ps(a1, b1, c[3][1]);
    a0 = _mm256_broadcast_ss(a + 4 * ars); a1 = _mm256_broadcast_ss(a + 5 * ars);
    c[4][0] = _mm256_fmadd_ps(a0, b0, c[4][0]); c[4][1] = _mm256_fmadd_ps(a0, b1, c[4][1]);
    c[5][0] = _mm256_fmadd_ps(a1, b0, c[5][0]); c[5][1] = _mm256_fmadd_ps(a1, b1, c[5][1]);
    a += acs; bp += NR;
  }
  storeTile(c, mr, nr, C, rsC, csC, beta);
}

static void ukernelPacked(int kc, const float *ap, const float *bp, int mr, int nr, float *C, long rsC, long csC, float beta) {
  ukernel(kc, ap, 1, MR, bp, mr, nr, C, rsC, csC, beta);
}
static void ukernelStrided(int kc, const float *a, long ars, long acs, const float *bp, int mr, int nr, float *C, long rsC, long csC, float beta) {
  ukernel(kc, a, ars, acs, bp, mr, nr, C, rsC, csC, beta);
}

/* The product restricted to rows [m0,m1) and columns [n0,n1) of C. */
static void gemmPart(const gemm_t *g, int m0, int m1, int n0, int n1, scratch_t *s) {
  for (int jc = n0; jc < n1; jc += NC) {
    int nc = n1 - jc < NC ? n1 - jc : NC;
    int npanels = (nc + NR - 1) / NR;
    float *bp = grow(&s->bp, &s->bcap, (size_t)npanels * NR * KC);
    for (int pc = 0; pc < g->K; pc += KC) {
      int kc = g->K - pc < KC ? g->K - pc : KC;
      float beta = pc == 0 ? g->beta : 1.0f;
      packB(g, pc, kc, jc, nc, bp);
      for (int ic = m0; ic < m1; ic += MC) {
        int mc = m1 - ic < MC ? m1 - ic : MC;
        float *ap = NULL;
        if (g->packA) { ap = grow(&s->ap, &s->acap, (size_t)((mc + MR - 1) / MR) * MR * KC); packA(g, ic, mc, pc, kc, ap); }
        for (int jr = 0; jr < nc; jr += NR) {
          int nr = nc - jr < NR ? nc - jr : NR;
          const float *bpp = bp + (size_t)(jr / NR) * kc * NR;
          for (int ir = 0; ir < mc; ir += MR) {
            int mr = mc - ir < MR ? mc - ir : MR;
            float *C = g->C + (size_t)(ic + ir) * g->rsC + (size_t)(jc + jr) * g->csC;
            if (ap) ukernelPacked(kc, ap + (size_t)(ir / MR) * kc * MR, bpp, mr, nr, C, g->rsC, g->csC, beta);
            else if (mr == MR) ukernelStrided(kc, g->A + (size_t)(ic + ir) * g->rsA + (size_t)pc * g->csA, g->rsA, g->csA, bpp, mr, nr, C, g->rsC, g->csC, beta);
            else {
              // the last rows in place would read past op(A): pack just them
              float *tp = grow(&s->ap, &s->acap, (size_t)MR * KC);
              packA(g, ic + ir, mr, pc, kc, tp);
              ukernelPacked(kc, tp, bpp, mr, nr, C, g->rsC, g->csC, beta);
            }
          }
        }
      }
    }
  }
}
