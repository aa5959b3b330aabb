/* The fused LSTM / GRU / RNN cell kernels, 8 lanes at a time, and the vector exp, σ and tanh they use. Part of seqlab_kernels.c (one translation unit: it includes every part in order). */
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
