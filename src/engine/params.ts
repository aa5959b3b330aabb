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

export interface ParamEntry { name: string; offset: number; size: number; shape: number[] }

export function paramLayout(c: ModelConfig): { entries: ParamEntry[]; total: number } {
  const entries: ParamEntry[] = [];
  let offset = 0;
  const add = (name: string, shape: number[]) => {
    const size = shape.reduce((a, b) => a * b, 1);
    entries.push({ name, offset, size, shape });
    offset += size;
  };
  const G = GATES[c.cell], H = c.hidden;
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
  constructor(readonly config: ModelConfig, readonly data: A) {
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
