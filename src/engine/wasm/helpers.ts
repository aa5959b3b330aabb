/**
 * Helper threads of the WASM backend: intra-op parallelism over the one shared `WebAssembly.Memory`.
 *
 * Each helper has a mailbox of HELPER_CTL_INTS int32 in the shared memory. State machine: main IDLE->POSTED,
 * helper POSTED->DONE, main DONE->IDLE; EXIT stops the helper. Parameters are plain stores published by the
 * Atomics.store of the state. The engine never starts a thread: the worker layer runs KERNEL_HELPER_SOURCE with
 * the `HelperInit` that `HelperPool.create` returns.
 */

export const HELPER_CTL_INTS = 32;
const CTL_STATE = 0,
  CTL_READY = 1,
  CTL_KIND = 2;
const ST_IDLE = 0,
  ST_POSTED = 1,
  ST_DONE = 2,
  ST_EXIT = 3;
const P_TA = 3,
  P_TB = 4,
  P_M = 5,
  P_N = 6,
  P_K = 7,
  P_A = 8,
  P_LDA = 9,
  P_B = 10,
  P_LDB = 11,
  P_BETA = 12,
  P_C = 13,
  P_LDC = 14,
  P_SCR = 15;
/** Job kinds: 0 sgemm, then the pointwise kernels, whose i32 arguments (B, H, pointers) start at P_ARG. */
export const KINDS = ['sgemm', 'lstm_fwd', 'lstm_bwd', 'gru_fwd', 'gru_bwd', 'rnn_fwd', 'rnn_bwd'] as const;
const P_ARG = 3;
/** Row stride of each pointer argument of a pointwise kernel, in units of H floats (0: not per row, the bias). */
const PW_STRIDES: Record<number, number[]> = {
  1: [4, 4, 0, 1, 4, 1, 1],
  2: [4, 1, 1, 1, 1, 4],
  3: [3, 3, 0, 1, 4, 1],
  4: [4, 1, 1, 1, 3, 3],
  5: [1, 1, 0, 1],
  6: [1, 1, 1],
};

export const DEFAULT_PARALLEL_MIN_WORK = 32 * 64 * 64;

/** What a helper thread needs: post it as `workerData` (Module and shared Memory are cloneable). */
export interface HelperInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  ctlAddr: number;
}

/**
 * Source of a gemm helper thread, self-contained plain JS: `new Worker(KERNEL_HELPER_SOURCE, { eval: true,
 * workerData: kernels.createHelper() })`. It instantiates the kernels on the shared memory and serves the mailbox.
 */
export const KERNEL_HELPER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, ctlAddr } = workerData;
const x = new WebAssembly.Instance(module, { env: { memory } }).exports;
const q = new Int32Array(memory.buffer, ctlAddr, ${HELPER_CTL_INTS});
const f = new Float32Array(memory.buffer, ctlAddr, ${HELPER_CTL_INTS});
const names = ${JSON.stringify(KINDS)};
Atomics.store(q, ${CTL_READY}, 1);
for (;;) {
  let s = Atomics.load(q, ${CTL_STATE});
  for (let spins = 0; s !== ${ST_POSTED} && s !== ${ST_EXIT}; s = Atomics.load(q, ${CTL_STATE})) {
    if (++spins > 20000) Atomics.wait(q, ${CTL_STATE}, s, 1000);
  }
  if (s === ${ST_EXIT}) break;
  const kind = q[${CTL_KIND}];
  if (kind === 0) x.sgemm(q[${P_TA}], q[${P_TB}], q[${P_M}], q[${P_N}], q[${P_K}], q[${P_A}], q[${P_LDA}], q[${P_B}], q[${P_LDB}], f[${P_BETA}], q[${P_C}], q[${P_LDC}], q[${P_SCR}]);
  else { const a = ${P_ARG}; x[names[kind]](q[a], q[a + 1], q[a + 2], q[a + 3], q[a + 4], q[a + 5], q[a + 6], q[a + 7], q[a + 8]); }
  Atomics.store(q, ${CTL_STATE}, ${ST_DONE});
  Atomics.notify(q, ${CTL_STATE});
}
Atomics.store(q, ${CTL_READY}, 0);
`;

interface Helper {
  ctl: Int32Array;
  ctlF: Float32Array;
  scratchAddr: number;
  scratchFloats: number;
  ready: boolean;
}

/** The module's raw sgemm: transposes as 0/1, byte addresses into the shared memory. */
export type RawSgemm = (
  tA: number,
  tB: number,
  M: number,
  N: number,
  K: number,
  a: number,
  lda: number,
  b: number,
  ldb: number,
  beta: number,
  c: number,
  ldc: number,
  scratch: number,
) => void;

/** What the generated module exports (scripts/wasm/gen-kernels-wat.mjs): tile sizes, sgemm, the fused cells. */
export interface WasmExports {
  MR: WebAssembly.Global;
  NR: WebAssembly.Global;
  KC: WebAssembly.Global;
  MC: WebAssembly.Global;
  sgemm: RawSgemm;
  lstm_fwd(B: number, H: number, gx: number, gh: number, bias: number, cp: number, act: number, c: number, h: number): void;
  lstm_bwd(B: number, H: number, act: number, cp: number, c: number, dh: number, dc: number, dg: number): void;
  gru_fwd(B: number, H: number, gx: number, gh: number, bias: number, hp: number, act: number, h: number): void;
  gru_bwd(B: number, H: number, act: number, hp: number, dh: number, dhp: number, dgx: number, dgh: number): void;
  rnn_fwd(B: number, H: number, gx: number, gh: number, bias: number, h: number): void;
  rnn_bwd(B: number, H: number, h: number, dh: number, dg: number): void;
}

/** The tile sizes of the module's sgemm (its exported MR, NR, KC, MC globals). */
export interface Tiles {
  MR: number;
  NR: number;
  KC: number;
  MC: number;
}

/** The helpers of one backend, and how products and pointwise steps are split between them and this thread. */
export class HelperPool {
  private readonly helpers: Helper[] = [];
  /** Products with at least this M·N·K are split with the helper threads (when attached and ready). */
  parallelMinWork = DEFAULT_PARALLEL_MIN_WORK;
  /** Pointwise steps with at least this B·H are split with the helper threads. */
  parallelMinPointwise = 2048;
  /** Parts of products and steps handed to helper threads so far (for tests and benchmarks). */
  jobs = 0;

  constructor(
    private readonly module: WebAssembly.Module,
    private readonly memory: WebAssembly.Memory,
    private readonly reserve: (bytes: number) => number,
    private readonly tiles: Tiles,
    private readonly sgemm: RawSgemm,
    private readonly kernel: (kind: number) => (...a: number[]) => void,
  ) {}

  get size(): number {
    return this.helpers.length;
  }

  create(): HelperInit {
    const ctlAddr = this.reserve(HELPER_CTL_INTS * 4);
    const ctl = new Int32Array(this.memory.buffer, ctlAddr, HELPER_CTL_INTS);
    const ctlF = new Float32Array(this.memory.buffer, ctlAddr, HELPER_CTL_INTS);
    this.helpers.push({ ctl, ctlF, scratchAddr: 0, scratchFloats: 0, ready: false });
    return { module: this.module, memory: this.memory, ctlAddr };
  }

  /** The helpers that have started and can take work. */
  ready(): Helper[] {
    for (const h of this.helpers) if (!h.ready) h.ready = Atomics.load(h.ctl, CTL_READY) === 1;
    return this.helpers.filter((h) => h.ready);
  }

  /** Ask every helper thread to exit (they return from their loop; the worker then ends). */
  stop(): void {
    for (const h of this.helpers) {
      Atomics.store(h.ctl, CTL_STATE, ST_EXIT);
      Atomics.notify(h.ctl, CTL_STATE);
    }
    this.helpers.length = 0;
  }

  /** Split C into 1 + helpers parts: by columns (multiples of NR) when N is wide enough, else by rows. */
  gemm(...args: Parameters<RawSgemm>): void {
    const [tA, tB, M, N, K, a, lda, b, ldb, beta, c, ldc, scr] = args;
    const ready = M * N * K >= this.parallelMinWork ? this.ready() : [];
    const parts = ready.length + 1;
    const byCols = N >= 16 * parts;
    const total = byCols ? N : M;
    const { MR, NR, KC, MC } = this.tiles;
    const unit = byCols ? NR : MR;
    const chunk = Math.max(unit, Math.ceil(total / parts / unit) * unit);
    if (ready.length === 0 || chunk >= total) {
      this.sgemm(tA, tB, M, N, K, a, lda, b, ldb, beta, c, ldc, scr);
      return;
    }
    const scratchFloats = MC * KC + MR * NR + (Math.ceil(Math.min(N, byCols ? chunk : N) / NR) + 1) * NR * KC;
    const posted: Helper[] = [];
    let start = chunk; // part 0 (from 0) runs here, the rest go to helpers
    for (const h of ready) {
      if (start >= total) break;
      const len = Math.min(chunk, total - start);
      if (h.scratchFloats < scratchFloats) {
        h.scratchFloats = Math.max(scratchFloats, 2 * h.scratchFloats);
        h.scratchAddr = this.reserve(h.scratchFloats * 4);
      }
      const q = h.ctl;
      q.set([0, tA, tB], CTL_KIND);
      q[P_K] = K;
      q[P_LDA] = lda;
      q[P_LDB] = ldb;
      q[P_LDC] = ldc;
      h.ctlF[P_BETA] = beta;
      q[P_SCR] = h.scratchAddr;
      // columns [start, start+len): B moves along its columns, C along its row; rows: A moves along its rows
      q[P_M] = byCols ? M : len;
      q[P_N] = byCols ? len : N;
      q[P_A] = byCols ? a : a + 4 * (tA ? start : start * lda);
      q[P_B] = byCols ? b + 4 * (tB ? start * ldb : start) : b;
      q[P_C] = byCols ? c + 4 * start : c + 4 * start * ldc;
      this.post(h, posted);
      start += len;
    }
    const mine = Math.min(chunk, total);
    this.sgemm(tA, tB, byCols ? M : mine, byCols ? mine : N, K, a, lda, b, ldb, beta, c, ldc, scr);
    this.join(posted);
  }

  /** A pointwise kernel: rows of B split between this thread and the ready helpers when the step is big enough. */
  pointwise(kind: number, B: number, H: number, ptrs: number[]): void {
    const fn = this.kernel(kind);
    const ready = this.helpers.length && B > 1 && B * H >= this.parallelMinPointwise ? this.ready() : [];
    if (!ready.length) {
      fn(B, H, ...ptrs);
      return;
    }
    const chunk = Math.ceil(B / (ready.length + 1));
    const strides = PW_STRIDES[kind];
    const posted: Helper[] = [];
    let b0 = chunk;
    for (const h of ready) {
      if (b0 >= B) break;
      const len = Math.min(chunk, B - b0),
        q = h.ctl;
      q[CTL_KIND] = kind;
      q[P_ARG] = len;
      q[P_ARG + 1] = H;
      for (let i = 0; i < ptrs.length; i++) q[P_ARG + 2 + i] = ptrs[i] + 4 * b0 * strides[i] * H;
      this.post(h, posted);
      b0 += len;
    }
    fn(Math.min(chunk, B), H, ...ptrs);
    this.join(posted);
  }

  private post(h: Helper, posted: Helper[]): void {
    Atomics.store(h.ctl, CTL_STATE, ST_POSTED);
    Atomics.notify(h.ctl, CTL_STATE);
    posted.push(h);
    this.jobs++;
  }

  private join(posted: Helper[]): void {
    for (const h of posted) {
      let spins = 0;
      while (Atomics.load(h.ctl, CTL_STATE) !== ST_DONE) {
        if (++spins < 4000) continue; // the helper usually finishes about when we do: spin briefly first
        if (Atomics.wait(h.ctl, CTL_STATE, ST_POSTED, 10000) === 'timed-out') throw new Error('kernel helper thread did not answer in 10 s');
      }
      Atomics.store(h.ctl, CTL_STATE, ST_IDLE);
    }
  }
}
