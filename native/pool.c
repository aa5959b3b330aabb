/* The thread pool (spin, then futex sleep) and the gemm driver that splits a product over it. Part of seqlab_kernels.c (one translation unit: it includes every part in order). */
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
