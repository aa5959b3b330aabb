/**
 * The model: input (embedding or dense features) → L recurrent layers (dropout between them, training only)
 * → linear head on every step. Parameters and gradients are one flat array each (params.ts layout).
 *
 * Buffers are allocated once for (Tmax, Bmax) through the kernels' allocator and reused every step.
 */
import { type ModelConfig, GATES, layerInput, validateConfig } from './config';
import { cellBackward, cellForward, createLayerCache, type LayerCache, type UnitClamp } from './cells';
import { type Kernels, refKernels } from './kernels';
import {
  crossEntropyBackward,
  crossEntropyForward,
  dropoutBackward,
  dropoutForward,
  dropoutMask,
  embeddingBackward,
  embeddingForward,
  linearBackward,
  linearForward,
  mseBackward,
  mseForward,
} from './layers';
import { FlatParams, paramLayout } from './params';
import type { Rng } from './rng';
import type { Arr } from './shapes';

/** The recurrent state carried between calls: per layer h (B,H) and c (B,H) (c unused except LSTM). */
export interface ModelState {
  B: number;
  h: Arr[];
  c: Arr[];
}

export type Dtype = 'f32' | 'f64';

export class Model {
  readonly config: ModelConfig;
  readonly k: Kernels;
  readonly dtype: Dtype;
  readonly params: FlatParams<Arr>;
  readonly grads: FlatParams<Arr>;
  private Tmax = 0;
  private Bmax = 0;
  private caches: LayerCache[] = [];
  private x0!: Arr; // (T,B,I0) layer-0 input (embedded tokens, or a copy of the features)
  private dropped: Arr[] = []; // per layer l ≥ 1: (T,B,H) input of layer l after dropout
  private masks: Arr[] = []; // per layer l ≥ 1: (T,B,H) dropout masks
  private dA!: Arr; // (T,B,max(I0,H)) backward ping buffer
  private dB!: Arr; // (T,B,max(I0,H)) backward pong buffer
  logits!: Arr; // (T,B,O)
  private probs!: Arr; // (T,B,O) softmax (char models)
  private dLogits!: Arr; // (T,B,O)
  private lastT = 0;
  private lastB = 0;
  private lastTrain = false;
  private lastIds: ArrayLike<number> | null = null;
  private dX0: Arr | null = null; // (T,B,E) gradient of the loss with respect to the embedded input, from the last backward (char models)
  /** per layer: units held fixed in forward (ablation), or null */
  private clamps: (UnitClamp | null)[] = [];

  constructor(config: ModelConfig, opts: { kernels?: Kernels; dtype?: Dtype; params?: Arr } = {}) {
    validateConfig(config);
    this.config = config;
    this.dtype = opts.dtype ?? 'f32';
    if (this.dtype === 'f64') {
      this.k = { ...refKernels, name: 'ref-f64', alloc: (n: number) => new Float64Array(n) as unknown as Float32Array };
    } else this.k = opts.kernels ?? refKernels;
    const total = paramLayout(config).total;
    const p = this.k.alloc(total) as Arr;
    if (opts.params) {
      if (opts.params.length !== total) throw new Error(`parameters have ${opts.params.length} values, the config needs ${total}`);
      p.set(opts.params);
    }
    this.params = new FlatParams<Arr>(config, p);
    this.grads = new FlatParams<Arr>(config, this.k.alloc(total) as Arr);
  }

  /** PyTorch-style init: U(±1/√H) for cells and head, N(0,1) embeddings; LSTM forget-gate bias 1. */
  initParams(rng: Rng): void {
    const c = this.config,
      H = c.hidden,
      s = 1 / Math.sqrt(H);
    for (const e of this.params.entries) {
      const v = this.params.view(e.name);
      if (e.name === 'emb') for (let i = 0; i < v.length; i++) v[i] = rng.normal();
      else for (let i = 0; i < v.length; i++) v[i] = rng.uniform(-s, s);
    }
    if (c.cell === 'lstm') {
      for (let l = 0; l < c.layers; l++) {
        const B = this.params.view(`B${l}`),
          G = GATES.lstm;
        for (let j = 0; j < H; j++) {
          B[2 * H + j] = 1;
          B[G * H + 2 * H + j] = 0;
        } // Wb_f = 1, Rb_f = 0 (gates iofc)
      }
    }
  }

  /** Grow the activation buffers to hold (T,B); no-op when they already do. */
  ensure(T: number, B: number): void {
    if (T <= this.Tmax && B <= this.Bmax) return;
    const Tm = Math.max(T, this.Tmax),
      Bm = Math.max(B, this.Bmax);
    const c = this.config,
      H = c.hidden,
      I0 = layerInput(c, 0),
      O = c.outputs,
      TB = Tm * Bm;
    this.caches = [];
    for (let l = 0; l < c.layers; l++) this.caches.push(createLayerCache(this.k, c.cell, Tm, Bm, H));
    this.x0 = this.k.alloc(TB * I0);
    this.dropped = [];
    this.masks = [];
    for (let l = 0; l < c.layers; l++) {
      this.dropped.push(l > 0 && c.dropout > 0 ? this.k.alloc(TB * H) : this.k.alloc(0));
      this.masks.push(l > 0 && c.dropout > 0 ? this.k.alloc(TB * H) : this.k.alloc(0));
    }
    const dmax = TB * Math.max(I0, H);
    this.dA = this.k.alloc(dmax);
    this.dB = this.k.alloc(dmax);
    this.logits = this.k.alloc(TB * O);
    this.probs = this.k.alloc(c.kind === 'char' ? TB * O : 0);
    this.dLogits = this.k.alloc(TB * O);
    this.Tmax = Tm;
    this.Bmax = Bm;
  }

  newState(B: number): ModelState {
    const { layers, hidden } = this.config;
    const mk = () => (this.dtype === 'f64' ? new Float64Array(B * hidden) : new Float32Array(B * hidden));
    return { B, h: Array.from({ length: layers }, mk), c: Array.from({ length: layers }, mk) };
  }

  /** Hold units of layer l at fixed values in every later forward (null: release them). See UnitClamp. */
  setClamp(l: number, clamp: UnitClamp | null): void {
    if (l < 0 || l >= this.config.layers) throw new Error(`layer ${l} is outside 0..${this.config.layers - 1}`);
    if (clamp) for (const u of clamp.units) if (!(u >= 0 && u < this.config.hidden)) throw new Error(`unit ${u} is outside 0..${this.config.hidden - 1}`);
    this.clamps[l] = clamp;
  }

  /** d loss / d (embedded input) (T,B,E) of the last backward of a char model (saliency); valid until the next backward. */
  inputGrad(): Arr {
    if (!this.dX0) throw new Error('inputGrad() needs a backward pass of a char model first');
    return this.dX0.subarray(0, this.lastT * this.lastB * this.config.emb);
  }

  /** The hidden sequence Y (T,B,H) of layer l from the last forward (valid until the next forward). */
  layerOutput(l: number): Arr {
    return this.caches[l].Y;
  }
  /** The layer cache (gates, cell states) from the last forward, for hidden-state views. */
  layerCache(l: number): LayerCache {
    return this.caches[l];
  }

  /**
   * Forward T steps of B streams. input: token ids (T,B) for char models, features (T,B,F) for regression.
   * Reads the initial state from `state` and writes the final state back into it. Returns logits (T,B,O)
   * (a view valid until the next call). `train` enables dropout (needs rng).
   */
  forward(input: ArrayLike<number>, T: number, B: number, state: ModelState, train: boolean, rng: Rng | null, fixedMasks?: Arr[]): Arr {
    if (state.B !== B) throw new Error(`state is for batch ${state.B}, input has batch ${B}`);
    this.ensure(T, B);
    const c = this.config,
      H = c.hidden,
      TB = T * B,
      p = this.params;
    if (c.kind === 'char') {
      const V = c.vocab;
      for (let n = 0; n < TB; n++) {
        const id = input[n];
        if (!(id >= 0 && id < V) || !Number.isInteger(id)) throw new Error(`token id ${id} at position ${n} is outside the vocabulary (0..${V - 1})`);
      }
      embeddingForward(TB, c.emb, input, p.view('emb'), this.x0);
    } else {
      for (let n = 0; n < TB * c.features; n++) this.x0[n] = input[n];
    }
    let x = this.x0;
    for (let l = 0; l < c.layers; l++) {
      const I = layerInput(c, l);
      if (l > 0 && train && c.dropout > 0) {
        const mask = this.masks[l];
        if (fixedMasks) mask.set(fixedMasks[l].subarray(0, TB * H));
        else dropoutMask(mask, TB * H, c.dropout, rng!);
        dropoutForward(TB * H, x, mask, this.dropped[l]);
        x = this.dropped[l];
      }
      cellForward(
        this.k,
        this.caches[l],
        T,
        B,
        I,
        x,
        p.view(`W${l}`),
        p.view(`R${l}`),
        p.view(`B${l}`),
        state.h[l],
        c.cell === 'lstm' ? state.c[l] : null,
        state.h[l],
        c.cell === 'lstm' ? state.c[l] : null,
        this.clamps[l] ?? null,
      );
      x = this.caches[l].Y;
    }
    linearForward(this.k, TB, H, c.outputs, x, p.view('headW'), p.view('headB'), this.logits);
    this.lastT = T;
    this.lastB = B;
    this.lastTrain = train;
    this.lastIds = c.kind === 'char' ? input : null;
    return this.logits;
  }

  /** Loss of the last forward: mean cross-entropy in nats (char) or MSE (regression; `lastOnly` = final step only). */
  loss(targets: ArrayLike<number>, lastOnly = false): number {
    const c = this.config,
      T = this.lastT,
      B = this.lastB;
    if (c.kind === 'char') {
      const sum = this.k.crossEntropy?.(this.probs, this.logits, targets, T * B, c.outputs) ?? null;
      return sum === null ? crossEntropyForward(T * B, c.outputs, this.logits, targets, this.probs) : sum / (T * B);
    }
    return mseForward(T, B, c.outputs, lastOnly, this.logits, targets);
  }

  /** Softmax probabilities (T,B,V) of the last `loss()` call (char models). */
  get lastProbs(): Arr {
    return this.probs;
  }

  zeroGrads(): void {
    this.grads.data.fill(0);
  }

  /**
   * Backward of the last forward+loss; accumulates into `grads` (zero them first). `lastOnly`: only step T-1's loss
   * (forecasting windows; saliency of one prediction).
   */
  backward(targets: ArrayLike<number>, lastOnly = false): void {
    const c = this.config,
      T = this.lastT,
      B = this.lastB,
      TB = T * B,
      H = c.hidden,
      O = c.outputs;
    const p = this.params,
      g = this.grads;
    const dL = this.dLogits;
    dL.fill(0, 0, TB * O);
    if (c.kind === 'char' && lastOnly) {
      const off = (T - 1) * B;
      crossEntropyBackward(
        B,
        O,
        this.probs.subarray(off * O),
        Array.from({ length: B }, (_, b) => targets[off + b]!),
        dL.subarray(off * O),
      );
    } else if (c.kind === 'char') crossEntropyBackward(TB, O, this.probs, targets, dL);
    else mseBackward(T, B, O, lastOnly, this.logits, targets, dL);
    let dY = this.dA,
      dIn = this.dB;
    dY.fill(0, 0, TB * H);
    const lastY = this.caches[c.layers - 1].Y;
    linearBackward(this.k, TB, H, O, lastY, p.view('headW'), dL, dY, g.view('headW'), g.view('headB'));
    for (let l = c.layers - 1; l >= 0; l--) {
      const I = layerInput(c, l);
      const dropped = l > 0 && this.lastTrain && c.dropout > 0;
      const x = l === 0 ? this.x0 : dropped ? this.dropped[l] : this.caches[l - 1].Y;
      const needDX = l > 0 || c.kind === 'char';
      if (needDX) dIn.fill(0, 0, TB * I);
      cellBackward(
        this.k,
        this.caches[l],
        T,
        B,
        I,
        x,
        p.view(`W${l}`),
        p.view(`R${l}`),
        dY,
        needDX ? dIn : null,
        g.view(`W${l}`),
        g.view(`R${l}`),
        g.view(`B${l}`),
      );
      if (l > 0) {
        if (dropped) {
          // dY of layer l-1 = dIn ⊙ mask (dY buffer is free now: swap roles)
          dY.fill(0, 0, TB * I);
          dropoutBackward(TB * I, dIn, this.masks[l], dY);
        } else {
          const t = dY;
          dY = dIn;
          dIn = t;
        }
      } else if (c.kind === 'char') {
        embeddingBackward(TB, c.emb, this.lastIds!, dIn, g.view('emb'));
        this.dX0 = dIn;
      }
    }
  }
}
