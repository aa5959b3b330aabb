/* The Node-API bindings: argument checks, then the kernels. Part of seqlab_kernels.c (one translation unit: it includes every part in order). */
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

/*
 * When an environment that loaded this library ends (a worker thread exits, or the process), stop the pool: Node
 * unloads an addon with the last environment that used it, and a pool thread still spinning in the unloaded code
 * crashed the process (SIGSEGV in about one `seqlab train` of four that refused its input at once). Another
 * environment still running keeps working on one thread until it asks for more (setThreads).
 */
static void poolCleanup(void *arg) { (void)arg; setThreads(1); }

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
  napi_add_env_cleanup_hook(env, poolCleanup, NULL);
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value f;
    napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &f);
    napi_set_named_property(env, exports, fns[i].name, f);
  }
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
