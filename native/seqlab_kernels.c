/*
 * Sequence Lab native kernels: the engine's `Kernels` interface (src/engine/kernels.ts, pointwise.ts) in C with
 * AVX2/FMA, as a Node-API addon. Built by scripts/build-native.mjs (gcc, no download); loaded by
 * src/worker/kernels-native.ts. If it cannot be built or loaded, training uses the WebAssembly kernels.
 *
 * Shape letters as in src/engine/shapes.ts: B batch, T time, I input, H hidden.
 *
 * gemm: row-major C = beta*C + op(A)·op(B), op(A) (M,K), op(B) (K,N), C (M,N), with offsets and leading dims.
 *   Internally every operand is (pointer, row stride, column stride), so a transpose is a swap of strides, and the
 *   whole product may be turned around (Cᵀ = op(B)ᵀ·op(A)ᵀ) so that the packed operand is the small one.
 *   - micro-kernel MR×NR = 6×16: 12 ymm accumulators, op(B) packed in NR-column panels (zero-padded), op(A)
 *     read by broadcasts, either packed (MR-row panels) or in place with any strides (when it would be used for
 *     few column panels, e.g. the recurrent product h·Rᵀ with B=32: R is read in place and only h is packed).
 *   - blocking KC×NC for op(B), MC×KC for op(A).
 *   - threads: a pool of pthreads that spin briefly, then sleep on a futex. A product is split by column panels
 *     (each thread packs its own part of op(B)) or by row panels.
 * Fused cell kernels: the same contracts and formulas as refFused, 8 lanes at a time; exp by a Cephes-style
 *   polynomial with range reduction, tanh by its odd polynomial near 0 and 1 - 2/(e^{2x}+1) elsewhere.
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <immintrin.h>
#include <linux/futex.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MR 6
#define NR 16
#define KC 256
#define MC 120
#define NC 2048
#define MAXT 16

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

// ------------------------------------------------------------------------------------------------------------
// Thread pool: workers spin for a while on the job generation, then sleep on a futex.

typedef struct { int kind; gemm_t g; int splitN; int parts; void (*fn)(int part, int parts, void *arg); void *arg; } job_t;

static int nthreads = 1;
static pthread_t workers[MAXT];
static scratch_t scratch[MAXT];           // the workers' packing buffers (index = worker id)
static __thread scratch_t callerScratch;  // the calling thread's (part 0)
static const job_t *job;                  // the job the workers run, published by `gen`
static atomic_int gen = 0, done = 0, sleepers = 0, quitting = 0;
/* Node worker threads share this library: one caller at a time uses the pool, any other runs on its own thread. */
static pthread_mutex_t poolLock = PTHREAD_MUTEX_INITIALIZER;

static long futex(atomic_int *addr, int op, int val) { return syscall(SYS_futex, (int *)addr, op, val, NULL, NULL, 0); }
static double nowUs(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e6 + t.tv_nsec / 1e3; }

static void runPart(const job_t *j, int part, scratch_t *s) {
  if (j->kind == 0) {
    const gemm_t *g = &j->g;
    if (j->splitN) {
      int panels = (g->N + NR - 1) / NR, per = (panels + j->parts - 1) / j->parts;
      int n0 = part * per * NR, n1 = (part + 1) * per * NR;
      if (n1 > g->N) n1 = g->N;
      if (n0 < n1) gemmPart(g, 0, g->M, n0, n1, s);
    } else {
      int panels = (g->M + MR - 1) / MR, per = (panels + j->parts - 1) / j->parts;
      int m0 = part * per * MR, m1 = (part + 1) * per * MR;
      if (m1 > g->M) m1 = g->M;
      if (m0 < m1) gemmPart(g, m0, m1, 0, g->N, s);
    }
  } else j->fn(part, j->parts, j->arg);
}

static int genAtSpawn; // gen when setThreads created the workers (stable: setThreads holds poolLock)

static void *workerMain(void *arg) {
  int id = (int)(intptr_t)arg;
  int seen = genAtSpawn; // not a fresh load: a job posted before this thread got here must still be seen
  for (;;) {
    double t0 = nowUs();
    int spins = 0;
    while (atomic_load(&gen) == seen) {
      _mm_pause();
      if (++spins % 256 == 0 && nowUs() - t0 > 300) {
        atomic_fetch_add(&sleepers, 1);
        if (atomic_load(&gen) == seen) futex(&gen, FUTEX_WAIT_PRIVATE, seen);
        atomic_fetch_sub(&sleepers, 1);
        t0 = nowUs();
      }
    }
    seen = atomic_load(&gen);
    if (atomic_load(&quitting)) return NULL;
    if (id < job->parts) runPart(job, id, &scratch[id]);
    atomic_fetch_add(&done, 1);
  }
}

/* Run the job's parts: part 0 on the calling thread, the others on the pool when it is free (else all here). */
static void runJob(job_t *j, int parts) {
  if (parts > nthreads) parts = nthreads;
  if (parts > 1 && pthread_mutex_trylock(&poolLock) == 0) {
    if (parts > nthreads) parts = nthreads; // setThreads may have run meanwhile
    j->parts = parts;
    if (parts > 1) {
      job = j;
      atomic_store(&done, 0);
      atomic_fetch_add(&gen, 1);
      if (atomic_load(&sleepers) > 0) futex(&gen, FUTEX_WAKE_PRIVATE, MAXT);
      runPart(j, 0, &callerScratch);
      while (atomic_load(&done) < nthreads - 1) _mm_pause();
      pthread_mutex_unlock(&poolLock);
      return;
    }
    pthread_mutex_unlock(&poolLock);
  }
  j->parts = 1;
  runPart(j, 0, &callerScratch);
}

static void setThreads(int n) {
  if (n < 1) n = 1;
  if (n > MAXT) n = MAXT;
  pthread_mutex_lock(&poolLock);
  if (n == nthreads) { pthread_mutex_unlock(&poolLock); return; }
  if (nthreads > 1) {
    atomic_store(&quitting, 1);
    atomic_fetch_add(&gen, 1);
    futex(&gen, FUTEX_WAKE_PRIVATE, MAXT);
    for (int i = 1; i < nthreads; i++) pthread_join(workers[i], NULL);
    atomic_store(&quitting, 0);
  }
  nthreads = 1;
  genAtSpawn = atomic_load(&gen);
  for (int i = 1; i < n; i++) {
    if (pthread_create(&workers[i], NULL, workerMain, (void *)(intptr_t)i) != 0) break;
    nthreads = i + 1;
  }
  pthread_mutex_unlock(&poolLock);
}

/* One row of C (M == 1): c_j = beta·c_j + Σ_k a_k·op(B)[k,j]. Memory-bound, so one thread. */
static void gemvRow(const gemm_t *g) {
  const int N = g->N, K = g->K;
  float *C = g->C;
  const long csC = g->csC, csA = g->csA, rsB = g->rsB, csB = g->csB;
  const float *A = g->A, *B = g->B;
  if (csB == 1 && csC == 1) {
    // C += a_k · B[k,:], four rows of B per pass over C
    if (g->beta == 0.0f) memset(C, 0, sizeof(float) * N);
    else if (g->beta != 1.0f) for (int j = 0; j < N; j++) C[j] *= g->beta;
    int k = 0;
    for (; k + 4 <= K; k += 4) {
      const float *r0 = B + k * rsB, *r1 = r0 + rsB, *r2 = r1 + rsB, *r3 = r2 + rsB;
      float a0 = A[k * csA], a1 = A[(k + 1) * csA], a2 = A[(k + 2) * csA], a3 = A[(k + 3) * csA];
      __m256 v0 = _mm256_set1_ps(a0), v1 = _mm256_set1_ps(a1), v2 = _mm256_set1_ps(a2), v3 = _mm256_set1_ps(a3);
      int j = 0;
      for (; j + 8 <= N; j += 8) {
        __m256 c = _mm256_loadu_ps(C + j);
        c = _mm256_fmadd_ps(v0, _mm256_loadu_ps(r0 + j), c);
        c = _mm256_fmadd_ps(v1, _mm256_loadu_ps(r1 + j), c);
        c = _mm256_fmadd_ps(v2, _mm256_loadu_ps(r2 + j), c);
        c = _mm256_fmadd_ps(v3, _mm256_loadu_ps(r3 + j), c);
        _mm256_storeu_ps(C + j, c);
      }
      for (; j < N; j++) C[j] += a0 * r0[j] + a1 * r1[j] + a2 * r2[j] + a3 * r3[j];
    }
    for (; k < K; k++) {
      const float *r = B + k * rsB; const float a = A[k * csA];
      for (int j = 0; j < N; j++) C[j] += a * r[j];
    }
    return;
  }
  for (int j = 0; j < N; j++) {
    // c_j = dot(a, op(B)[:,j]); contiguous when op(B) is a transposed row-major matrix and a is a row
    const float *b = B + j * csB;
    float sum = 0;
    int k = 0;
    if (rsB == 1 && csA == 1) {
      __m256 acc = _mm256_setzero_ps();
      for (; k + 8 <= K; k += 8) acc = _mm256_fmadd_ps(_mm256_loadu_ps(A + k), _mm256_loadu_ps(b + k), acc);
      float t[8]; _mm256_storeu_ps(t, acc);
      sum = ((t[0] + t[1]) + (t[2] + t[3])) + ((t[4] + t[5]) + (t[6] + t[7]));
    }
    for (; k < K; k++) sum += A[k * csA] * b[k * rsB];
    float *c = C + j * csC;
    *c = g->beta == 0.0f ? sum : g->beta * *c + sum;
  }
}

static void gemm(int tA, int tB, int M, int N, int K, const float *A, int lda, const float *B, int ldb, float beta, float *C, int ldc) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    for (int i = 0; i < M; i++) for (int j = 0; j < N; j++) C[(size_t)i * ldc + j] = beta == 0.0f ? 0.0f : beta * C[(size_t)i * ldc + j];
    return;
  }
  gemm_t g = { M, N, K, A, tA ? 1 : lda, tA ? lda : 1, B, tB ? 1 : ldb, tB ? ldb : 1, C, ldc, 1, beta, 0 };
  if (M == 1 || N == 1) {
    // a matrix-vector product (e.g. the bias gradients as ones·dG): one row of C, turned around if it is a column
    if (M != 1) { gemm_t t = { N, M, K, B, g.csB, g.rsB, A, g.csA, g.rsA, C, 1, ldc, beta, 0 }; g = t; }
    gemvRow(&g);
    return;
  }
  // Turn the product around when op(A) is the smaller operand to pack (few rows, e.g. B=32 against 4H columns):
  // then op(B)ᵀ is read in place and only op(A)ᵀ is packed.
  if (M < N && M <= 64) {
    gemm_t t = { N, M, K, B, g.csB, g.rsB, A, g.csA, g.rsA, C, 1, ldc, beta, 0 };
    g = t;
  }
  g.packA = g.N > 4 * NR; // op(A) is reused over more than 4 column panels: worth packing
  job_t j = { 0 };
  j.g = g;
  int parts = nthreads;
  double work = (double)M * N * K;
  if (work < 64.0 * 64 * 64) parts = 1;
  int npan = (g.N + NR - 1) / NR, mpan = (g.M + MR - 1) / MR;
  // Split by column panels (every part reads, or packs, all of op(A)) or by row panels (every part packs all of
  // op(B)): whichever duplicates less, if it has a panel for every part.
  j.splitN = g.M <= g.N ? npan >= parts : mpan < parts;
  if (parts > 1 && (j.splitN ? npan : mpan) < parts) parts = 1;
  runJob(&j, parts);
}

// ------------------------------------------------------------------------------------------------------------
// Fused cell kernels

static inline __m256 exp8(__m256 x) {
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.0f)), _mm256_set1_ps(88.0f));
  __m256 fx = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(0.693359375f), x);
  x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(-2.12194440e-4f), x);
  __m256 z = _mm256_mul_ps(x, x);
  __m256 y = _mm256_set1_ps(1.9875691500E-4f);
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.3981999507E-3f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(8.3334519073E-3f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(4.1665795894E-2f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.6666665459E-1f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(5.0000001201E-1f));
  y = _mm256_fmadd_ps(y, z, _mm256_add_ps(x, _mm256_set1_ps(1.0f)));
  __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(fx), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(y, _mm256_castsi256_ps(e));
}
/* 1/x: the hardware estimate and one Newton step (x is finite and ≥ 1 here) */
static inline __m256 rcp8(__m256 x) {
  __m256 r = _mm256_rcp_ps(x);
  return _mm256_mul_ps(r, _mm256_fnmadd_ps(x, r, _mm256_set1_ps(2.0f)));
}
static inline __m256 sigm8(__m256 x) {
  const __m256 one = _mm256_set1_ps(1.0f);
  return rcp8(_mm256_add_ps(one, exp8(_mm256_sub_ps(_mm256_setzero_ps(), x))));
}
static inline __m256 tanh8(__m256 x) {
  const __m256 one = _mm256_set1_ps(1.0f), sign = _mm256_set1_ps(-0.0f);
  __m256 ax = _mm256_andnot_ps(sign, x);
  // |x| >= 0.625: 1 - 2/(e^{2|x|}+1), sign restored
  __m256 big = _mm256_fnmadd_ps(_mm256_set1_ps(2.0f), rcp8(_mm256_add_ps(exp8(_mm256_add_ps(ax, ax)), one)), one);
  big = _mm256_or_ps(big, _mm256_and_ps(sign, x));
  // |x| < 0.625: x + x·z·P(z), z = x² (Cephes tanhf)
  __m256 z = _mm256_mul_ps(x, x);
  __m256 p = _mm256_set1_ps(-5.70498872745E-3f);
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(2.06390887954E-2f));
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-5.37397155531E-2f));
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(1.33314422036E-1f));
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-3.33332819422E-1f));
  __m256 small = _mm256_fmadd_ps(_mm256_mul_ps(p, z), x, x);
  return _mm256_blendv_ps(big, small, _mm256_cmp_ps(ax, _mm256_set1_ps(0.625f), _CMP_LT_OQ));
}
static inline float sigm1(float x) { return 1.0f / (1.0f + expf(-x)); }

#define LD(p, i) ((p) ? _mm256_loadu_ps((p) + (i)) : _mm256_setzero_ps())
#define L1(p, i) ((p) ? (p)[i] : 0.0f)

/* gx, gh, act (B,4H); bias (8H) = [Wb, Rb]; cPrev, c, h (B,H). act may alias gx or gh. */
static void lstmFwdRows(int b0, int b1, int H, const float *gx, const float *gh, const float *bias, const float *cp,
    float *act, float *c, float *h) {
  const int G = 4 * H;
  for (int b = b0; b < b1; b++) {
    const float *x = gx + (size_t)b * G, *r = gh ? gh + (size_t)b * G : NULL;
    float *a = act + (size_t)b * G;
    const float *cpb = cp + (size_t)b * H;
    float *cb = c + (size_t)b * H, *hb = h + (size_t)b * H;
    int j = 0;
    for (; j + 8 <= H; j += 8) {
      __m256 bi = bias ? _mm256_add_ps(_mm256_loadu_ps(bias + j), _mm256_loadu_ps(bias + G + j)) : _mm256_setzero_ps();
      __m256 bo = bias ? _mm256_add_ps(_mm256_loadu_ps(bias + H + j), _mm256_loadu_ps(bias + G + H + j)) : _mm256_setzero_ps();
      __m256 bf = bias ? _mm256_add_ps(_mm256_loadu_ps(bias + 2 * H + j), _mm256_loadu_ps(bias + G + 2 * H + j)) : _mm256_setzero_ps();
      __m256 bg = bias ? _mm256_add_ps(_mm256_loadu_ps(bias + 3 * H + j), _mm256_loadu_ps(bias + G + 3 * H + j)) : _mm256_setzero_ps();
      __m256 i = sigm8(_mm256_add_ps(_mm256_add_ps(_mm256_loadu_ps(x + j), LD(r, j)), bi));
      __m256 o = sigm8(_mm256_add_ps(_mm256_add_ps(_mm256_loadu_ps(x + H + j), LD(r, H + j)), bo));
      __m256 f = sigm8(_mm256_add_ps(_mm256_add_ps(_mm256_loadu_ps(x + 2 * H + j), LD(r, 2 * H + j)), bf));
      __m256 g = tanh8(_mm256_add_ps(_mm256_add_ps(_mm256_loadu_ps(x + 3 * H + j), LD(r, 3 * H + j)), bg));
      __m256 cn = _mm256_fmadd_ps(f, _mm256_loadu_ps(cpb + j), _mm256_mul_ps(i, g));
      _mm256_storeu_ps(a + j, i); _mm256_storeu_ps(a + H + j, o); _mm256_storeu_ps(a + 2 * H + j, f); _mm256_storeu_ps(a + 3 * H + j, g);
      _mm256_storeu_ps(cb + j, cn);
      _mm256_storeu_ps(hb + j, _mm256_mul_ps(o, tanh8(cn)));
    }
    for (; j < H; j++) {
      float bi = bias ? bias[j] + bias[G + j] : 0, bo = bias ? bias[H + j] + bias[G + H + j] : 0;
      float bf = bias ? bias[2 * H + j] + bias[G + 2 * H + j] : 0, bg = bias ? bias[3 * H + j] + bias[G + 3 * H + j] : 0;
      float i = sigm1(x[j] + L1(r, j) + bi), o = sigm1(x[H + j] + L1(r, H + j) + bo);
      float f = sigm1(x[2 * H + j] + L1(r, 2 * H + j) + bf), g = tanhf(x[3 * H + j] + L1(r, 3 * H + j) + bg);
      float cn = f * cpb[j] + i * g;
      a[j] = i; a[H + j] = o; a[2 * H + j] = f; a[3 * H + j] = g;
      cb[j] = cn; hb[j] = o * tanhf(cn);
    }
  }
}

/* act (B,4H), cPrev, c, dh (B,H); dc (B,H) in/out; dG (B,4H). */
static void lstmBwdRows(int b0, int b1, int H, const float *act, const float *cp, const float *c, const float *dh, float *dc, float *dG) {
  const int G = 4 * H;
  const __m256 one = _mm256_set1_ps(1.0f);
  for (int b = b0; b < b1; b++) {
    const float *a = act + (size_t)b * G, *cpb = cp + (size_t)b * H, *cb = c + (size_t)b * H, *dhb = dh + (size_t)b * H;
    float *dcb = dc + (size_t)b * H, *d = dG + (size_t)b * G;
    int j = 0;
    for (; j + 8 <= H; j += 8) {
      __m256 i = _mm256_loadu_ps(a + j), o = _mm256_loadu_ps(a + H + j), f = _mm256_loadu_ps(a + 2 * H + j), g = _mm256_loadu_ps(a + 3 * H + j);
      __m256 tc = tanh8(_mm256_loadu_ps(cb + j)), dhv = _mm256_loadu_ps(dhb + j);
      __m256 dct = _mm256_fmadd_ps(_mm256_mul_ps(dhv, o), _mm256_fnmadd_ps(tc, tc, one), _mm256_loadu_ps(dcb + j));
      _mm256_storeu_ps(d + j, _mm256_mul_ps(_mm256_mul_ps(dct, g), _mm256_mul_ps(i, _mm256_sub_ps(one, i))));
      _mm256_storeu_ps(d + H + j, _mm256_mul_ps(_mm256_mul_ps(dhv, tc), _mm256_mul_ps(o, _mm256_sub_ps(one, o))));
      _mm256_storeu_ps(d + 2 * H + j, _mm256_mul_ps(_mm256_mul_ps(dct, _mm256_loadu_ps(cpb + j)), _mm256_mul_ps(f, _mm256_sub_ps(one, f))));
      _mm256_storeu_ps(d + 3 * H + j, _mm256_mul_ps(_mm256_mul_ps(dct, i), _mm256_fnmadd_ps(g, g, one)));
      _mm256_storeu_ps(dcb + j, _mm256_mul_ps(dct, f));
    }
    for (; j < H; j++) {
      float i = a[j], o = a[H + j], f = a[2 * H + j], g = a[3 * H + j];
      float tc = tanhf(cb[j]), dhv = dhb[j];
      float dct = dcb[j] + dhv * o * (1 - tc * tc);
      d[j] = dct * g * (i * (1 - i)); d[H + j] = dhv * tc * (o * (1 - o));
      d[2 * H + j] = dct * cpb[j] * (f * (1 - f)); d[3 * H + j] = dct * i * (1 - g * g);
      dcb[j] = dct * f;
    }
  }
}

/* gx, gh (B,3H); bias (6H); hPrev, h (B,H); act (B,4H) = [z, r, n, hn]. */
static void gruFwdRows(int b0, int b1, int H, const float *gx, const float *gh, const float *bias, const float *hp, float *act, float *h) {
  const int G = 3 * H;
  for (int b = b0; b < b1; b++) {
    const float *x = gx + (size_t)b * G, *r0 = gh ? gh + (size_t)b * G : NULL, *hpb = hp + (size_t)b * H;
    float *a = act + (size_t)b * 4 * H, *hb = h + (size_t)b * H;
    int j = 0;
    for (; j + 8 <= H; j += 8) {
      __m256 bz = bias ? _mm256_add_ps(_mm256_loadu_ps(bias + j), _mm256_loadu_ps(bias + G + j)) : _mm256_setzero_ps();
      __m256 br = bias ? _mm256_add_ps(_mm256_loadu_ps(bias + H + j), _mm256_loadu_ps(bias + G + H + j)) : _mm256_setzero_ps();
      __m256 z = sigm8(_mm256_add_ps(_mm256_add_ps(_mm256_loadu_ps(x + j), LD(r0, j)), bz));
      __m256 r = sigm8(_mm256_add_ps(_mm256_add_ps(_mm256_loadu_ps(x + H + j), LD(r0, H + j)), br));
      __m256 hn = _mm256_add_ps(LD(r0, 2 * H + j), LD(bias, G + 2 * H + j));
      __m256 n = tanh8(_mm256_fmadd_ps(r, hn, _mm256_add_ps(_mm256_loadu_ps(x + 2 * H + j), LD(bias, 2 * H + j))));
      __m256 hpv = _mm256_loadu_ps(hpb + j);
      _mm256_storeu_ps(a + j, z); _mm256_storeu_ps(a + H + j, r); _mm256_storeu_ps(a + 2 * H + j, n); _mm256_storeu_ps(a + 3 * H + j, hn);
      _mm256_storeu_ps(hb + j, _mm256_fmadd_ps(z, _mm256_sub_ps(hpv, n), n));
    }
    for (; j < H; j++) {
      float z = sigm1(x[j] + L1(r0, j) + (bias ? bias[j] + bias[G + j] : 0));
      float r = sigm1(x[H + j] + L1(r0, H + j) + (bias ? bias[H + j] + bias[G + H + j] : 0));
      float hn = L1(r0, 2 * H + j) + L1(bias, G + 2 * H + j);
      float n = tanhf(x[2 * H + j] + L1(bias, 2 * H + j) + r * hn);
      a[j] = z; a[H + j] = r; a[2 * H + j] = n; a[3 * H + j] = hn;
      hb[j] = n + z * (hpb[j] - n);
    }
  }
}

static void gruBwdRows(int b0, int b1, int H, const float *act, const float *hp, const float *dh, float *dhp, float *dGx, float *dGh) {
  const int G = 3 * H;
  const __m256 one = _mm256_set1_ps(1.0f);
  for (int b = b0; b < b1; b++) {
    const float *a = act + (size_t)b * 4 * H, *hpb = hp + (size_t)b * H, *dhb = dh + (size_t)b * H;
    float *x = dGx + (size_t)b * G, *r0 = dGh + (size_t)b * G, *dhpb = dhp + (size_t)b * H;
    int j = 0;
    for (; j + 8 <= H; j += 8) {
      __m256 z = _mm256_loadu_ps(a + j), r = _mm256_loadu_ps(a + H + j), n = _mm256_loadu_ps(a + 2 * H + j), hn = _mm256_loadu_ps(a + 3 * H + j);
      __m256 dhv = _mm256_loadu_ps(dhb + j);
      __m256 dnp = _mm256_mul_ps(_mm256_mul_ps(dhv, _mm256_sub_ps(one, z)), _mm256_fnmadd_ps(n, n, one));
      __m256 dzp = _mm256_mul_ps(_mm256_mul_ps(dhv, _mm256_sub_ps(_mm256_loadu_ps(hpb + j), n)), _mm256_mul_ps(z, _mm256_sub_ps(one, z)));
      __m256 drp = _mm256_mul_ps(_mm256_mul_ps(dnp, hn), _mm256_mul_ps(r, _mm256_sub_ps(one, r)));
      _mm256_storeu_ps(x + j, dzp); _mm256_storeu_ps(x + H + j, drp); _mm256_storeu_ps(x + 2 * H + j, dnp);
      _mm256_storeu_ps(r0 + j, dzp); _mm256_storeu_ps(r0 + H + j, drp); _mm256_storeu_ps(r0 + 2 * H + j, _mm256_mul_ps(dnp, r));
      _mm256_storeu_ps(dhpb + j, _mm256_mul_ps(dhv, z));
    }
    for (; j < H; j++) {
      float z = a[j], r = a[H + j], n = a[2 * H + j], hn = a[3 * H + j], dhv = dhb[j];
      float dnp = dhv * (1 - z) * (1 - n * n), dzp = dhv * (hpb[j] - n) * (z * (1 - z)), drp = dnp * hn * (r * (1 - r));
      x[j] = dzp; x[H + j] = drp; x[2 * H + j] = dnp;
      r0[j] = dzp; r0[H + j] = drp; r0[2 * H + j] = dnp * r;
      dhpb[j] = dhv * z;
    }
  }
}

static void rnnFwdRows(int b0, int b1, int H, const float *gx, const float *gh, const float *bias, float *h) {
  for (int b = b0; b < b1; b++) {
    const float *x = gx + (size_t)b * H, *r = gh ? gh + (size_t)b * H : NULL;
    float *hb = h + (size_t)b * H;
    int j = 0;
    for (; j + 8 <= H; j += 8) {
      __m256 bb = bias ? _mm256_add_ps(_mm256_loadu_ps(bias + j), _mm256_loadu_ps(bias + H + j)) : _mm256_setzero_ps();
      _mm256_storeu_ps(hb + j, tanh8(_mm256_add_ps(_mm256_add_ps(_mm256_loadu_ps(x + j), LD(r, j)), bb)));
    }
    for (; j < H; j++) hb[j] = tanhf(x[j] + L1(r, j) + (bias ? bias[j] + bias[H + j] : 0));
  }
}

static void rnnBwdRows(int b0, int b1, int H, const float *h, const float *dh, float *dG) {
  const __m256 one = _mm256_set1_ps(1.0f);
  size_t k = (size_t)b0 * H, e = (size_t)b1 * H;
  for (; k + 8 <= e; k += 8) {
    __m256 hv = _mm256_loadu_ps(h + k);
    _mm256_storeu_ps(dG + k, _mm256_mul_ps(_mm256_loadu_ps(dh + k), _mm256_fnmadd_ps(hv, hv, one)));
  }
  for (; k < e; k++) dG[k] = dh[k] * (1 - h[k] * h[k]);
}

/* Pointwise jobs split by rows of the batch when there is enough work. */
typedef struct { int kind, B, H; const float *p[8]; float *q[6]; } pw_t;
static void pwPart(int part, int parts, void *arg) {
  const pw_t *w = arg;
  int per = (w->B + parts - 1) / parts, b0 = part * per, b1 = b0 + per > w->B ? w->B : b0 + per;
  if (b0 >= b1) return;
  switch (w->kind) {
    case 1: lstmFwdRows(b0, b1, w->H, w->p[0], w->p[1], w->p[2], w->p[3], w->q[0], w->q[1], w->q[2]); break;
    case 2: lstmBwdRows(b0, b1, w->H, w->p[0], w->p[1], w->p[2], w->p[3], w->q[0], w->q[1]); break;
    case 3: gruFwdRows(b0, b1, w->H, w->p[0], w->p[1], w->p[2], w->p[3], w->q[0], w->q[1]); break;
    case 4: gruBwdRows(b0, b1, w->H, w->p[0], w->p[1], w->p[2], w->q[0], w->q[1], w->q[2]); break;
    case 5: rnnFwdRows(b0, b1, w->H, w->p[0], w->p[1], w->p[2], w->q[0]); break;
    case 6: rnnBwdRows(b0, b1, w->H, w->p[0], w->p[1], w->q[0]); break;
  }
}
static void pointwise(pw_t *w) {
  int parts = (size_t)w->B * w->H >= 16384 && nthreads > 1 ? nthreads : 1;
  if (parts > w->B) parts = w->B;
  if (parts <= 1) { pwPart(0, 1, w); return; }
  job_t j = { 0 };
  j.kind = 1; j.fn = pwPart; j.arg = w;
  runJob(&j, parts);
}

// ------------------------------------------------------------------------------------------------------------
// Whole-array kernels: Adam, Σx², scaling, softmax + cross-entropy (the TS loops in optim.ts/layers.ts are the
// references).

typedef struct { float *p; const float *g; float *m, *v; float b1, b2, a, sc2, eps, wd; long n; } adam_t;
static void adamPart(int part, int parts, void *arg) {
  const adam_t *w = arg;
  long per = (w->n / parts + 7) / 8 * 8, i0 = part * per, i1 = i0 + per > w->n || part == parts - 1 ? w->n : i0 + per;
  const __m256 b1 = _mm256_set1_ps(w->b1), b2 = _mm256_set1_ps(w->b2), nb1 = _mm256_set1_ps(1 - w->b1), nb2 = _mm256_set1_ps(1 - w->b2);
  const __m256 a = _mm256_set1_ps(w->a), sc2 = _mm256_set1_ps(w->sc2), eps = _mm256_set1_ps(w->eps), wd = _mm256_set1_ps(w->wd);
  long i = i0;
  for (; i + 8 <= i1; i += 8) {
    __m256 p = _mm256_loadu_ps(w->p + i);
    __m256 g = _mm256_fmadd_ps(wd, p, _mm256_loadu_ps(w->g + i));
    __m256 m = _mm256_fmadd_ps(b1, _mm256_loadu_ps(w->m + i), _mm256_mul_ps(nb1, g));
    __m256 v = _mm256_fmadd_ps(b2, _mm256_loadu_ps(w->v + i), _mm256_mul_ps(_mm256_mul_ps(nb2, g), g));
    _mm256_storeu_ps(w->m + i, m); _mm256_storeu_ps(w->v + i, v);
    __m256 d = _mm256_fmadd_ps(_mm256_sqrt_ps(v), sc2, eps);
    _mm256_storeu_ps(w->p + i, _mm256_sub_ps(p, _mm256_div_ps(_mm256_mul_ps(a, m), d)));
  }
  for (; i < i1; i++) {
    float g = w->g[i] + w->wd * w->p[i];
    float m = w->m[i] = w->b1 * w->m[i] + (1 - w->b1) * g;
    float v = w->v[i] = w->b2 * w->v[i] + (1 - w->b2) * g * g;
    w->p[i] -= (w->a * m) / (sqrtf(v) * w->sc2 + w->eps);
  }
}

static double sumSquares(const float *x, long n) {
  __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
  long i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 v = _mm256_loadu_ps(x + i);
    __m256d lo = _mm256_cvtps_pd(_mm256_castps256_ps128(v)), hi = _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));
    s0 = _mm256_fmadd_pd(lo, lo, s0); s1 = _mm256_fmadd_pd(hi, hi, s1);
  }
  double t[4]; _mm256_storeu_pd(t, _mm256_add_pd(s0, s1));
  double s = (t[0] + t[1]) + (t[2] + t[3]);
  for (; i < n; i++) s += (double)x[i] * x[i];
  return s;
}

/* probs (N,V) = softmax(logits); returns Σ_n −log p[n, target_n] (double). */
static double crossEntropy(float *probs, const float *logits, const int32_t *targets, int N, int V) {
  double total = 0;
  for (int n = 0; n < N; n++) {
    const float *l = logits + (size_t)n * V;
    float *p = probs + (size_t)n * V;
    float mx = -INFINITY;
    for (int v = 0; v < V; v++) mx = l[v] > mx ? l[v] : mx;
    __m256 vm = _mm256_set1_ps(mx), acc = _mm256_setzero_ps();
    int v = 0;
    for (; v + 8 <= V; v += 8) { __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(l + v), vm)); _mm256_storeu_ps(p + v, e); acc = _mm256_add_ps(acc, e); }
    float t[8]; _mm256_storeu_ps(t, acc);
    double sum = ((t[0] + t[1]) + (t[2] + t[3])) + ((t[4] + t[5]) + (t[6] + t[7]));
    for (; v < V; v++) { float e = expf(l[v] - mx); p[v] = e; sum += e; }
    float inv = (float)(1.0 / sum);
    for (v = 0; v < V; v++) p[v] *= inv;
    total += -((double)l[targets[n]] - mx - log(sum));
  }
  return total;
}

// ------------------------------------------------------------------------------------------------------------
// Node-API bindings. Arrays arrive as Float32Array (+ element offset); any other array type makes the call return
// false so that the JS side uses the reference kernel. A view too short for the shapes throws a RangeError.

typedef struct { napi_env env; napi_value *argv; int ok; } args_t;

static int i32(args_t *a, int i) { int32_t v = 0; napi_get_value_int32(a->env, a->argv[i], &v); return v; }
static double f64(args_t *a, int i) { double v = 0; napi_get_value_double(a->env, a->argv[i], &v); return v; }
static int boolean(args_t *a, int i) { bool v = false; napi_get_value_bool(a->env, a->argv[i], &v); return v; }

/* Float32Array argument i with element offset argument i+1 and `need` elements from there; NULL for null (when
   nullable) or when not a Float32Array (a->ok = 0); throws when too short. */
static float *arr(args_t *a, int i, size_t need, int nullable) {
  if (!a->ok) return NULL;
  napi_valuetype t;
  napi_typeof(a->env, a->argv[i], &t);
  if (t == napi_null || t == napi_undefined) { if (!nullable) a->ok = 0; return NULL; }
  bool is = false;
  napi_is_typedarray(a->env, a->argv[i], &is);
  if (!is) { a->ok = 0; return NULL; }
  napi_typedarray_type type; size_t len; void *data;
  napi_get_typedarray_info(a->env, a->argv[i], &type, &len, &data, NULL, NULL);
  if (type != napi_float32_array) { a->ok = 0; return NULL; }
  int64_t off = 0;
  napi_get_value_int64(a->env, a->argv[i + 1], &off);
  if (off < 0 || (size_t)off + need > len) {
    napi_throw_range_error(a->env, NULL, "seqlab native kernels: array view too short for the shapes");
    a->ok = -1;
    return NULL;
  }
  return (float *)data + off;
}

static napi_value result(napi_env env, args_t *a) {
  if (a->ok < 0) return NULL;
  napi_value v; napi_get_boolean(env, a->ok == 1, &v); return v;
}

#define ARGS(n) napi_value argv[n]; size_t argc = n; napi_get_cb_info(env, info, &argc, argv, NULL, NULL); \
  if (argc < n) { napi_throw_type_error(env, NULL, "seqlab native kernels: too few arguments"); return NULL; } \
  args_t a = { env, argv, 1 };

/* gemm(transA, transB, M, N, K, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc) → true, or false if not Float32Array */
static napi_value jsGemm(napi_env env, napi_callback_info info) {
  ARGS(15)
  int tA = boolean(&a, 0), tB = boolean(&a, 1), M = i32(&a, 2), N = i32(&a, 3), K = i32(&a, 4);
  int lda = i32(&a, 7), ldb = i32(&a, 10), ldc = i32(&a, 14);
  float beta = (float)f64(&a, 11);
  if (M <= 0 || N <= 0) return result(env, &a);
  size_t needA = K <= 0 ? 0 : tA ? (size_t)(K - 1) * lda + M : (size_t)(M - 1) * lda + K;
  size_t needB = K <= 0 ? 0 : tB ? (size_t)(N - 1) * ldb + K : (size_t)(K - 1) * ldb + N;
  const float *A = arr(&a, 5, needA, 0), *B = arr(&a, 8, needB, 0);
  float *C = arr(&a, 12, (size_t)(M - 1) * ldc + N, 0);
  if (a.ok == 1) gemm(tA, tB, M, N, K, A, lda, B, ldb, beta, C, ldc);
  return result(env, &a);
}

/* lstmForward(B, H, gx, gxOff, gh, ghOff, bias, bOff, cPrev, cpOff, act, actOff, c, cOff, h, hOff) */
static napi_value jsLstmFwd(napi_env env, napi_callback_info info) {
  ARGS(16)
  pw_t w = { 1, i32(&a, 0), i32(&a, 1), { 0 }, { 0 } };
  size_t BH = (size_t)w.B * w.H;
  w.p[0] = arr(&a, 2, 4 * BH, 0); w.p[1] = arr(&a, 4, 4 * BH, 1); w.p[2] = arr(&a, 6, 8 * (size_t)w.H, 1); w.p[3] = arr(&a, 8, BH, 0);
  w.q[0] = arr(&a, 10, 4 * BH, 0); w.q[1] = arr(&a, 12, BH, 0); w.q[2] = arr(&a, 14, BH, 0);
  if (a.ok == 1) pointwise(&w);
  return result(env, &a);
}
/* lstmBackward(B, H, act, actOff, cPrev, cpOff, c, cOff, dh, dhOff, dc, dcOff, dG, dgOff) */
static napi_value jsLstmBwd(napi_env env, napi_callback_info info) {
  ARGS(14)
  pw_t w = { 2, i32(&a, 0), i32(&a, 1), { 0 }, { 0 } };
  size_t BH = (size_t)w.B * w.H;
  w.p[0] = arr(&a, 2, 4 * BH, 0); w.p[1] = arr(&a, 4, BH, 0); w.p[2] = arr(&a, 6, BH, 0); w.p[3] = arr(&a, 8, BH, 0);
  w.q[0] = arr(&a, 10, BH, 0); w.q[1] = arr(&a, 12, 4 * BH, 0);
  if (a.ok == 1) pointwise(&w);
  return result(env, &a);
}
/* gruForward(B, H, gx, gxOff, gh, ghOff, bias, bOff, hPrev, hpOff, act, actOff, h, hOff) */
static napi_value jsGruFwd(napi_env env, napi_callback_info info) {
  ARGS(14)
  pw_t w = { 3, i32(&a, 0), i32(&a, 1), { 0 }, { 0 } };
  size_t BH = (size_t)w.B * w.H;
  w.p[0] = arr(&a, 2, 3 * BH, 0); w.p[1] = arr(&a, 4, 3 * BH, 1); w.p[2] = arr(&a, 6, 6 * (size_t)w.H, 1); w.p[3] = arr(&a, 8, BH, 0);
  w.q[0] = arr(&a, 10, 4 * BH, 0); w.q[1] = arr(&a, 12, BH, 0);
  if (a.ok == 1) pointwise(&w);
  return result(env, &a);
}
/* gruBackward(B, H, act, actOff, hPrev, hpOff, dh, dhOff, dhPrev, dhpOff, dGx, dgxOff, dGh, dghOff) */
static napi_value jsGruBwd(napi_env env, napi_callback_info info) {
  ARGS(14)
  pw_t w = { 4, i32(&a, 0), i32(&a, 1), { 0 }, { 0 } };
  size_t BH = (size_t)w.B * w.H;
  w.p[0] = arr(&a, 2, 4 * BH, 0); w.p[1] = arr(&a, 4, BH, 0); w.p[2] = arr(&a, 6, BH, 0);
  w.q[0] = arr(&a, 8, BH, 0); w.q[1] = arr(&a, 10, 3 * BH, 0); w.q[2] = arr(&a, 12, 3 * BH, 0);
  if (a.ok == 1) pointwise(&w);
  return result(env, &a);
}
/* rnnForward(B, H, gx, gxOff, gh, ghOff, bias, bOff, h, hOff) */
static napi_value jsRnnFwd(napi_env env, napi_callback_info info) {
  ARGS(10)
  pw_t w = { 5, i32(&a, 0), i32(&a, 1), { 0 }, { 0 } };
  size_t BH = (size_t)w.B * w.H;
  w.p[0] = arr(&a, 2, BH, 0); w.p[1] = arr(&a, 4, BH, 1); w.p[2] = arr(&a, 6, 2 * (size_t)w.H, 1);
  w.q[0] = arr(&a, 8, BH, 0);
  if (a.ok == 1) pointwise(&w);
  return result(env, &a);
}
/* rnnBackward(B, H, h, hOff, dh, dhOff, dG, dgOff) */
static napi_value jsRnnBwd(napi_env env, napi_callback_info info) {
  ARGS(8)
  pw_t w = { 6, i32(&a, 0), i32(&a, 1), { 0 }, { 0 } };
  size_t BH = (size_t)w.B * w.H;
  w.p[0] = arr(&a, 2, BH, 0); w.p[1] = arr(&a, 4, BH, 0);
  w.q[0] = arr(&a, 6, BH, 0);
  if (a.ok == 1) pointwise(&w);
  return result(env, &a);
}
/* setThreads(n) → the number of threads now in use (n <= 0: no change) */
static napi_value jsSetThreads(napi_env env, napi_callback_info info) {
  ARGS(1)
  int n = i32(&a, 0);
  if (n > 0) setThreads(n);
  napi_value v; napi_create_int32(env, nthreads, &v); return v;
}

/* adam(n, p, pOff, g, gOff, m, mOff, v, vOff, beta1, beta2, a, sc2, eps, weightDecay): the update of optim.ts with
   a = lr/(1-β1^t), sc2 = 1/sqrt(1-β2^t) */
static napi_value jsAdam(napi_env env, napi_callback_info info) {
  ARGS(15)
  long n = i32(&a, 0);
  adam_t w = { arr(&a, 1, n, 0), arr(&a, 3, n, 0), arr(&a, 5, n, 0), arr(&a, 7, n, 0),
    (float)f64(&a, 9), (float)f64(&a, 10), (float)f64(&a, 11), (float)f64(&a, 12), (float)f64(&a, 13), (float)f64(&a, 14), n };
  if (a.ok == 1) {
    if (n >= 65536 && nthreads > 1) { job_t j = { 0 }; j.kind = 1; j.fn = adamPart; j.arg = &w; runJob(&j, nthreads); }
    else adamPart(0, 1, &w);
  }
  return result(env, &a);
}
/* sumSquares(n, x, xOff) → Σ x² (float64 accumulation), or false */
static napi_value jsSumSquares(napi_env env, napi_callback_info info) {
  ARGS(3)
  long n = i32(&a, 0);
  const float *x = arr(&a, 1, n, 0);
  if (a.ok != 1) return result(env, &a);
  napi_value v; napi_create_double(env, sumSquares(x, n), &v); return v;
}
/* scale(n, x, xOff, s): x *= s */
static napi_value jsScale(napi_env env, napi_callback_info info) {
  ARGS(4)
  long n = i32(&a, 0);
  float *x = arr(&a, 1, n, 0);
  float sc = (float)f64(&a, 3);
  if (a.ok == 1) { long i = 0; __m256 vs = _mm256_set1_ps(sc); for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), vs)); for (; i < n; i++) x[i] *= sc; }
  return result(env, &a);
}
/* crossEntropy(probs, logits, targets (Int32Array), N, V) → Σ −log p (float64), or false */
static napi_value jsCrossEntropy(napi_env env, napi_callback_info info) {
  ARGS(5)
  int N = i32(&a, 3), V = i32(&a, 4);
  napi_value zero; napi_create_int32(env, 0, &zero);
  napi_value args2[2] = { argv[0], zero }, args3[2] = { argv[1], zero };
  args_t pa = { env, args2, 1 }, la = { env, args3, 1 };
  float *probs = arr(&pa, 0, (size_t)N * V, 0);
  const float *logits = arr(&la, 0, (size_t)N * V, 0);
  if (pa.ok < 0 || la.ok < 0) return NULL;
  bool is = false; napi_is_typedarray(env, argv[2], &is);
  napi_typedarray_type type = napi_float32_array; size_t len = 0; void *data = NULL;
  if (is) napi_get_typedarray_info(env, argv[2], &type, &len, &data, NULL, NULL);
  if (pa.ok != 1 || la.ok != 1 || !is || type != napi_int32_array || len < (size_t)N) { napi_value v; napi_get_boolean(env, false, &v); return v; }
  const int32_t *tg = data;
  for (int n = 0; n < N; n++) if (tg[n] < 0 || tg[n] >= V) { napi_throw_range_error(env, NULL, "seqlab native kernels: target id out of range"); return NULL; }
  napi_value v; napi_create_double(env, crossEntropy(probs, logits, tg, N, V), &v); return v;
}

static napi_value init(napi_env env, napi_value exports) {
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) {
    napi_throw_error(env, NULL, "this CPU has no AVX2/FMA");
    return NULL;
  }
  static const struct { const char *name; napi_callback fn; } fns[] = {
    { "gemm", jsGemm }, { "lstmForward", jsLstmFwd }, { "lstmBackward", jsLstmBwd }, { "gruForward", jsGruFwd },
    { "gruBackward", jsGruBwd }, { "rnnForward", jsRnnFwd }, { "rnnBackward", jsRnnBwd }, { "setThreads", jsSetThreads },
    { "adam", jsAdam }, { "sumSquares", jsSumSquares }, { "scale", jsScale }, { "crossEntropy", jsCrossEntropy },
  };
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value f;
    napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &f);
    napi_set_named_property(env, exports, fns[i].name, f);
  }
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
