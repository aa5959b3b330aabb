/**
 * Reading a model's hidden states over a text, for the hidden-state panel and `seqlab states`.
 *
 * Two readers with one result (`HiddenStore`):
 * - `readHiddenOnnx`, the fast one: onnxruntime runs the whole text in windows (state carried), one call per window,
 *   and returns every layer's h. The other signals (c and the gates, which ONNX's recurrent ops do not output) are
 *   computed from h only when asked for, with batched GEMMs: a layer's gate pre-activations are X·Wᵀ + h(t-1)·Rᵀ + b
 *   for all steps at once, leaving only the cheap elementwise c scan sequential.
 * - `extractHidden`, the reference twin: the TS engine's forward pass, keeping every signal of every layer.
 * The tests hold the fast reader to the reference.
 */
import { gateRowWidth } from '../engine/cells';
import type { CellType } from '../engine/config';
import type { Kernels } from '../engine/kernels';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../data/errors';
import { loadTsModel } from '../data/modelFolder';
import { Vocab } from '../data/vocab';
import { Model } from '../engine/model';
import { exportOnnx } from '../onnx/export';
import { paramsFromOnnx } from '../onnx/fallback';
import { CHECKPOINT_FILE, ONNX_FILE } from '../protocol/model';
import { pickKernels } from './kernels';
import { OnnxModel, ortStatus } from '../onnx/runtime';
import { signalsFor } from '../protocol/infer';
import type { Signal } from '../protocol/webview';

export interface HiddenStore {
  T: number;
  H: number;
  layers: number;
  cell: CellType;
  signals: Signal[];
  /** (T,H) of `signal` in `layer`, or undefined when the cell has no such signal */
  signal(layer: number, signal: Signal): Float32Array | undefined;
}

/** floats kept per step per unit per signal per layer: budget in bytes for all of them */
export function maxStepsFor(H: number, layers: number, cell: CellType, budgetBytes = 512e6): number {
  return Math.floor(budgetBytes / (4 * H * layers * signalsFor(cell).length));
}

/** gate offsets within a step's gate row, in units of H: LSTM iofc, GRU zrh */
const GATE_OFFSET: Record<CellType, Partial<Record<Signal, number>>> = { lstm: { i: 0, o: 1, f: 2 }, gru: { z: 0, r: 1 }, rnn: {} };

const yieldToEvents = () => new Promise((r) => setImmediate(r));

/**
 * The reference: run `model` (batch 1) over ids in windows of `window` steps, carrying the state, and copy every
 * signal out. Yields to the event loop between windows (so cancel messages get through).
 */
export async function extractHidden(model: Model, ids: ArrayLike<number>, window = 1000): Promise<HiddenStore> {
  const c = model.config,
    H = c.hidden,
    L = c.layers,
    T = ids.length,
    G = gateRowWidth(c.cell, 1); // gate-row width in units of H (GRU rows are [z,r,n,hn])
  const signals = signalsFor(c.cell);
  const data = Array.from({ length: L }, () => Object.fromEntries(signals.map((s) => [s, new Float32Array(T * H)])) as Record<Signal, Float32Array>);
  const gateOff = GATE_OFFSET[c.cell];
  const state = model.newState(1);
  const buf = new Int32Array(window);
  for (let t0 = 0; t0 < T; t0 += window) {
    const n = Math.min(window, T - t0);
    for (let t = 0; t < n; t++) buf[t] = ids[t0 + t];
    model.forward(buf.subarray(0, n), n, 1, state, false, null);
    for (let l = 0; l < L; l++) {
      const cache = model.layerCache(l),
        d = data[l];
      d.h.set(cache.Y.subarray(0, n * H), t0 * H);
      if (c.cell === 'lstm') d.c.set(cache.aux.subarray(0, n * H), t0 * H);
      for (const s of signals) {
        const g = gateOff[s];
        if (g === undefined) continue;
        for (let t = 0; t < n; t++) d[s].set(cache.gates.subarray(t * G * H + g * H, t * G * H + (g + 1) * H), (t0 + t) * H);
      }
    }
    await yieldToEvents();
  }
  return { T, H, layers: L, cell: c.cell, signals, signal: (l, s) => data[l]?.[s] };
}

/**
 * The fast reader: h of every layer through onnxruntime (`onnx`, one run per window of `window` steps), the other
 * signals computed on first request from h and the weights of `model` (the same model's engine twin).
 */
export async function readHiddenOnnx(onnx: OnnxModel, model: Model, ids: ArrayLike<number>, window = 2000): Promise<HiddenStore> {
  const c = model.config,
    H = c.hidden,
    L = c.layers,
    T = ids.length;
  if (onnx.signature.Y.length !== L) throw new Error(`the ONNX model exposes ${onnx.signature.Y.length} of its ${L} layers' states`);
  const hs = Array.from({ length: L }, () => new Float32Array(T * H)); // (T,H) per layer
  let state = onnx.zeroState(1);
  for (let t0 = 0; t0 < T; t0 += window) {
    const n = Math.min(window, T - t0);
    const r = await onnx.run(
      Array.from({ length: n }, (_, t) => ids[t0 + t]!),
      n,
      1,
      state,
      { Y: true, stateTrusted: true },
    );
    state = r.state;
    for (let l = 0; l < L; l++) hs[l]!.set(r.Y![l]!.subarray(0, n * H), t0 * H);
    await yieldToEvents();
  }
  const signals = signalsFor(c.cell);
  const more: (Partial<Record<Signal, Float32Array>> | undefined)[] = [];
  const signal = (l: number, s: Signal): Float32Array | undefined => {
    if (l < 0 || l >= L || !signals.includes(s)) return undefined;
    if (s === 'h') return hs[l];
    more[l] ??= gateSignals(model, l, l === 0 ? null : hs[l - 1]!, hs[l]!, ids);
    return more[l]![s];
  };
  return { T, H, layers: L, cell: c.cell, signals, signal };
}

/** Steps whose gates are computed at once (bounded memory: a few CHUNK × G·H buffers, reused). */
const CHUNK = 2048;

/** Scratch buffers in each backend's own memory (so its fused kernels run on them), grown as needed, reused. */
const scratchOf = new WeakMap<Kernels, { floats: number; bufs: Float32Array[] }>();
function scratch(k: Kernels, floats: number, count: number): Float32Array[] {
  let s = scratchOf.get(k);
  if (!s || s.floats < floats || s.bufs.length < count) {
    s = {
      floats: Math.max(floats, s?.floats ?? 0),
      bufs: Array.from({ length: Math.max(count, s?.bufs.length ?? 0) }, () => k.alloc(Math.max(floats, s?.floats ?? 0))),
    };
    scratchOf.set(k, s);
  }
  return s.bufs;
}

/**
 * Layer l's gates (and, for an LSTM, c) over all T steps from its input sequence (the embedding of `ids` for layer
 * 0, else `below` (T,I)) and its own output h (T,H). Time is the batch here: gx = X·Wᵀ and gh = h(t-1)·Rᵀ for a
 * chunk of steps at once, then the backend's fused cell kernel activates the gates of every step of the chunk as if
 * they were rows of one batch (their c is wrong, since each row starts from c = 0); the LSTM's c is then the one
 * sequential part, c_t = f⊙c(t-1) + i⊙c̃, an elementwise scan.
 */
function gateSignals(model: Model, l: number, below: Float32Array | null, h: Float32Array, ids: ArrayLike<number>): Partial<Record<Signal, Float32Array>> {
  const c = model.config,
    H = c.hidden,
    T = h.length / H,
    k = model.k,
    p = model.params;
  if (c.cell === 'rnn') return {};
  const lstm = c.cell === 'lstm';
  const GH = (lstm ? 4 : 3) * H,
    I = l === 0 ? c.emb : H;
  const W = p.view(`W${l}`), // (GH,I)
    R = p.view(`R${l}`), // (GH,H)
    bias = p.view(`B${l}`); // (2GH): Wb, Rb
  const out: Partial<Record<Signal, Float32Array>> = {};
  for (const s of Object.keys(GATE_OFFSET[c.cell]) as Signal[]) out[s] = new Float32Array(T * H);
  if (lstm) out.c = new Float32Array(T * H);
  // gx (n,GH), gh (n,GH), act (n,4H), x (n,I), hPrev (n,H), zeros (n,H), and the kernel's c and h, which the scan replaces
  const [gx, gh, act, x, hPrev, zeros, cJunk, hJunk] = scratch(k, CHUNK * Math.max(GH, 4 * H, I), 8) as Float32Array[] as [
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  zeros.fill(0, 0, CHUNK * H);
  const emb = l === 0 ? p.view('emb') : null; // (V,E)
  for (let t0 = 0; t0 < T; t0 += CHUNK) {
    const n = Math.min(CHUNK, T - t0);
    if (emb) for (let t = 0; t < n; t++) x.set(emb.subarray(ids[t0 + t]! * I, (ids[t0 + t]! + 1) * I), t * I);
    else x.set(below!.subarray(t0 * I, (t0 + n) * I));
    // h(t-1) for each step of the chunk: the zero state before the first step
    if (t0 === 0) {
      hPrev.fill(0, 0, H);
      hPrev.set(h.subarray(0, (n - 1) * H), H);
    } else hPrev.set(h.subarray((t0 - 1) * H, (t0 + n - 1) * H));
    k.gemm(false, true, n, GH, I, x, 0, I, W, 0, I, 0, gx, 0, GH);
    k.gemm(false, true, n, GH, H, hPrev, 0, H, R, 0, H, 0, gh, 0, GH);
    if (lstm) k.lstmForward(n, H, gx, 0, gh, 0, bias, 0, zeros, 0, act, 0, cJunk, 0, hJunk, 0);
    else k.gruForward(n, H, gx, 0, gh, 0, bias, 0, hPrev, 0, act, 0, hJunk, 0);
    const G4 = 4 * H;
    for (let t = 0; t < n; t++) {
      const at = (t0 + t) * H,
        row = t * G4;
      if (lstm) {
        out.i!.set(act.subarray(row, row + H), at);
        out.o!.set(act.subarray(row + H, row + 2 * H), at);
        out.f!.set(act.subarray(row + 2 * H, row + 3 * H), at);
        const cOut = out.c!;
        for (let j = 0; j < H; j++) {
          const cPrev = at === 0 ? 0 : cOut[at - H + j]!;
          cOut[at + j] = act[row + 2 * H + j]! * cPrev + act[row + j]! * act[row + 3 * H + j]!;
        }
      } else {
        out.z!.set(act.subarray(row, row + H), at);
        out.r!.set(act.subarray(row + H, row + 2 * H), at);
      }
    }
  }
  return out;
}

/** The engine model of a text model folder (its checkpoint, or the weights of its model.onnx) and its vocabulary. */
export function hiddenModel(dir: string): { model: Model; vocab: Vocab } {
  const notText = 'This is a forecasting model: hidden states over text need a character model.';
  if (existsSync(join(dir, CHECKPOINT_FILE))) {
    const { model, vocab } = loadTsModel(dir, pickKernels());
    if (!vocab) throw new DataError(notText);
    return { model, vocab };
  }
  const onnx = join(dir, ONNX_FILE);
  if (!existsSync(onnx)) throw new DataError(`The model folder ${dir} has neither ${ONNX_FILE} nor ${CHECKPOINT_FILE}.`);
  const { config, params, vocab } = paramsFromOnnx(readFileSync(onnx));
  if (config.kind !== 'char' || !vocab) throw new DataError(notText);
  return { model: new Model(config, { params, kernels: pickKernels() }), vocab: Vocab.fromJSON(vocab) };
}

/**
 * The states over `ids`: through onnxruntime (a graph exported from the same weights, so h and the gates computed
 * from it agree), or the engine's forward pass where onnxruntime does not load here.
 */
export async function readHidden(model: Model, ids: ArrayLike<number>): Promise<HiddenStore> {
  if (!ortStatus().ok) return extractHidden(model, ids, 1000);
  const onnx = await OnnxModel.load(exportOnnx(model.config, Float32Array.from(model.params.data)), { name: 'hidden-states' });
  try {
    return await readHiddenOnnx(onnx, model, ids);
  } finally {
    await onnx.dispose();
  }
}
