/**
 * Parameters live in ONE flat array with named views, in ONNX layout and gate order, so ONNX export is a copy.
 * Gradients and optimizer state are flat arrays of the same length with the same offsets.
 *
 * Layout, in this order:
 *   emb          (V,E)        char models only; row v is the embedding of token v (ONNX Gather on axis 0)
 *   per layer l = 0..L-1:
 *     W{l}       (G*H, I)     ONNX W[0] for LSTM/GRU/RNN, gates stacked in ONNX order (LSTM iofc, GRU zrh)
 *     R{l}       (G*H, H)     ONNX R[0]
 *     B{l}       (2*G*H)      ONNX B[0] = [Wb (G*H), Rb (G*H)]
 *   headW        (H,O)        ONNX MatMul(Y, headW)
 *   headB        (O)          ONNX Add
 */
import { type ModelConfig, GATES, layerInput } from './config';
import type { Arr, ArrCtor } from './shapes';

export interface ParamEntry {
  name: string;
  offset: number;
  size: number;
  shape: number[];
}

export function paramLayout(c: ModelConfig): { entries: ParamEntry[]; total: number } {
  const entries: ParamEntry[] = [];
  let offset = 0;
  const add = (name: string, shape: number[]) => {
    const size = shape.reduce((a, b) => a * b, 1);
    entries.push({ name, offset, size, shape });
    offset += size;
  };
  const G = GATES[c.cell],
    H = c.hidden;
  if (c.kind === 'char') add('emb', [c.vocab, c.emb]);
  for (let l = 0; l < c.layers; l++) {
    add(`W${l}`, [G * H, layerInput(c, l)]);
    add(`R${l}`, [G * H, H]);
    add(`B${l}`, [2 * G * H]);
  }
  add('headW', [H, c.outputs]);
  add('headB', [c.outputs]);
  return { entries, total: offset };
}

export function paramCount(c: ModelConfig): number {
  return paramLayout(c).total;
}

/** A flat buffer plus named subarray views onto it (views share memory with `data`). */
export class FlatParams<A extends Arr = Float32Array> {
  readonly entries: ParamEntry[];
  readonly views: Record<string, A> = {};
  constructor(
    readonly config: ModelConfig,
    readonly data: A,
  ) {
    const { entries, total } = paramLayout(config);
    if (data.length !== total) throw new Error(`parameter buffer has ${data.length} values, layout needs ${total}`);
    this.entries = entries;
    for (const e of entries) this.views[e.name] = data.subarray(e.offset, e.offset + e.size) as A;
  }
  static zeros<A extends Arr>(c: ModelConfig, ctor: ArrCtor = Float32Array): FlatParams<A> {
    return new FlatParams<A>(c, new ctor(paramLayout(c).total) as A);
  }
  view(name: string): A {
    const v = this.views[name];
    if (!v) throw new Error(`no parameter named ${name}`);
    return v;
  }
}

/** The largest typed array this engine allocates: V8's limit on a Float32Array's length (2^32 - 1 elements on
 * 64-bit Node 20), kept lower so that one buffer stays addressable by 32-bit offsets in the kernels. */
export const MAX_BUFFER_ELEMENTS = 2 ** 31 - 1;

/**
 * About how much memory training a model takes, in bytes, and its largest single buffer (elements): parameters,
 * gradients, two optimizer moments, the best weights and the checkpoint's copies (about 8 copies of the P parameters
 * in all), plus the activations kept for backpropagation through T steps of B streams (gates and states per layer,
 * the logits and their gradient). An estimate to refuse absurd sizes before anything is allocated, not a budget.
 */
export function trainingMemory(c: ModelConfig, B: number, T: number): { bytes: number; params: number; largestBuffer: number } {
  const P = paramCount(c);
  const G = GATES[c.cell],
    H = c.hidden;
  const perLayer = T * B * (2 * G * H + 4 * H); // gates and their gradient, h and c with theirs: (T,B,·)
  const logits = 2 * T * B * c.outputs; // (T,B,O) and dLogits
  const elements = 8 * P + c.layers * perLayer + logits;
  const largestBuffer = Math.max(P, T * B * G * H, T * B * c.outputs, G * H * Math.max(H, c.kind === 'char' ? c.emb : c.features));
  return { bytes: 4 * elements, params: P, largestBuffer };
}

const gb = (b: number) => `${(b / 2 ** 30).toLocaleString('en-US', { maximumFractionDigits: b < 2 ** 30 ? 2 : 0 })} GB`;

/** Why training this model cannot fit in `availableBytes` of memory (with the figures), or null when it fits. */
export function memoryProblem(c: ModelConfig, B: number, T: number, availableBytes: number): string | null {
  const m = trainingMemory(c, B, T);
  const what = `A ${c.cell.toUpperCase()} ${c.layers}×${c.hidden} model (${m.params.toLocaleString('en-US')} parameters, batch ${B}, seq ${T})`;
  if (m.bytes > 0.8 * availableBytes) {
    return `${what} needs about ${gb(m.bytes)} of memory to train (parameters, gradients, optimizer state and activations); this machine has ${gb(availableBytes)}. Use a smaller hidden size, fewer layers, or a smaller batch or seq.`;
  }
  if (m.largestBuffer > MAX_BUFFER_ELEMENTS) {
    return `${what} needs one buffer of ${m.largestBuffer.toLocaleString('en-US')} values, more than the ${MAX_BUFFER_ELEMENTS.toLocaleString('en-US')} an array can hold. Use a smaller hidden size, batch or seq.`;
  }
  return null;
}
