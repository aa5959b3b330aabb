/*
 * Sequence Lab native kernels: the engine's `Kernels` interface (src/engine/kernels.ts, pointwise.ts) in C with
 * AVX2/FMA, as a Node-API addon. Built by scripts/build-native.mjs (gcc, no download); loaded by
 * src/worker/kernels-native.ts (the TypeScript side: src/engine/kernels-native.ts). If it cannot be built or loaded,
 * training uses the WebAssembly kernels.
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

// The parts, by concern, compiled as one translation unit (their helpers stay static and inline across parts):
#include "gemm.c"  // The packed sgemm
#include "pool.c"  // The thread pool (spin, then futex sleep) and the gemm driver that splits a product over it
#include "cells.c"  // The fused LSTM / GRU / RNN cell kernels, 8 lanes at a time, and the vector exp, σ and tanh they use
#include "optim.c"  // Whole-array kernels
#include "napi.c"  // The Node-API bindings
