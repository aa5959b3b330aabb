/* Whole-array kernels: Adam, Σx², scaling, softmax + cross-entropy. Part of seqlab_kernels.c (one translation unit: it includes every part in order). */
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
