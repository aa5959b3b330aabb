/**
 * Inference with a choice of engine: onnxruntime-node by default, the TypeScript engine on request
 * (`--engine ts`) or, with one warning, when the native runtime cannot load on this platform.
 * The TS engine reads its weights straight from our ONNX file: the initializers ARE the flat parameter layout.
 */
import type { ModelConfig } from '../engine/config';
import { Model, type ModelState } from '../engine/model';
import { paramLayout } from '../engine/params';
import type { TokenStepper } from './decode';
import { META } from './export';
import { decodeModel, metadataOf, tensorFloats } from './proto';
import { ModelImportError, prepareModel, type ModelInfo } from './import';
import { OnnxModel, ortStatus } from './runtime';
import { engineWeightsOf, NotConvertibleError } from './toEngine';

/** Weights of a Sequence Lab ONNX file as the engine's flat parameter array. */
export function paramsFromOnnx(bytes: Uint8Array): { config: ModelConfig; params: Float32Array; vocab?: number[] } {
  const m = decodeModel(bytes);
  const meta = metadataOf(m);
  if (meta[META.config] === undefined) {
    // a foreign graph: the engine runs it when it is a plain Embedding → RNN → Linear stack (toEngine.ts)
    const vocab = meta[META.vocab] ? (JSON.parse(meta[META.vocab]) as number[]) : undefined;
    if (!vocab) throw new ModelImportError('the TypeScript engine needs the vocabulary of this model (import it first: seqlab import FILE --vocab …)');
    try {
      return { ...engineWeightsOf(bytes, vocab.length), vocab };
    } catch (e) {
      if (e instanceof NotConvertibleError) throw new ModelImportError(`the TypeScript engine cannot run this model: ${e.message}`);
      throw e;
    }
  }
  const config = JSON.parse(meta[META.config]) as ModelConfig;
  const { entries, total } = paramLayout(config);
  const params = new Float32Array(total);
  const inits = new Map((m.graph!.initializer ?? []).map((t) => [t.name ?? '', t]));
  for (const e of entries) {
    const t = inits.get(e.name);
    if (!t) throw new ModelImportError(`weights ${e.name} are missing from the ONNX file`);
    const v = tensorFloats(t);
    if (v.length !== e.size) throw new ModelImportError(`weights ${e.name} have ${v.length} values, the config needs ${e.size}`);
    params.set(v, e.offset);
  }
  const vocab = meta[META.vocab] ? (JSON.parse(meta[META.vocab]) as number[]) : undefined;
  return { config, params, vocab };
}

/** A TokenStepper over the TypeScript engine (one stream). */
export class EngineStepper implements TokenStepper {
  state: ModelState;
  constructor(
    readonly model: Model,
    state?: ModelState,
  ) {
    this.state = state ?? model.newState(1);
  }
  prime(tokens: ArrayLike<number>): Float32Array {
    if (tokens.length === 0) throw new Error('cannot prime on an empty context');
    const V = this.model.config.outputs;
    const logits = this.model.forward(tokens, tokens.length, 1, this.state, false, null);
    return Float32Array.from(logits.subarray((tokens.length - 1) * V, tokens.length * V));
  }
  step(token: number): Float32Array {
    return this.prime([token]);
  }
  fork(): EngineStepper {
    const s = this.model.newState(1);
    for (let l = 0; l < s.h.length; l++) {
      s.h[l]!.set(this.state.h[l]!);
      s.c[l]!.set(this.state.c[l]!);
    }
    return new EngineStepper(this.model, s);
  }
  /** One batched engine forward for this and `others` (same model), one token each. */
  stepBatch(others: EngineStepper[], tokens: number[]): Float32Array[] {
    const all = [this as EngineStepper, ...others];
    if (all.some((s) => s.model !== this.model)) return all.map((s, b) => s.step(tokens[b]!));
    const B = all.length,
      H = this.model.config.hidden,
      O = this.model.config.outputs;
    const st = this.model.newState(B);
    for (let l = 0; l < st.h.length; l++) {
      all.forEach((s, b) => {
        st.h[l]!.set(s.state.h[l]!, b * H);
        st.c[l]!.set(s.state.c[l]!, b * H);
      });
    }
    const logits = this.model.forward(tokens, 1, B, st, false, null);
    for (let l = 0; l < st.h.length; l++) {
      all.forEach((s, b) => {
        s.state.h[l]!.set(st.h[l]!.subarray(b * H, (b + 1) * H));
        s.state.c[l]!.set(st.c[l]!.subarray(b * H, (b + 1) * H));
      });
    }
    return all.map((_, b) => Float32Array.from(logits.subarray(b * O, (b + 1) * O)));
  }
}

export type EngineChoice = 'onnx' | 'ts';

export interface InferenceHandle {
  engine: EngineChoice;
  info: Pick<ModelInfo, 'vocab' | 'config' | 'card' | 'norm'> & { vocabSize: number };
  stepper(): TokenStepper;
  /** onnxruntime model, when engine is 'onnx' (for batched runs and Y) */
  onnx?: OnnxModel;
  /** engine model, when engine is 'ts' */
  ts?: Model;
  dispose(): Promise<void>;
}

let warned = false;
/** Tests only: allow the one-time fallback warning again. */
export function resetFallbackWarning(): void {
  warned = false;
}

/**
 * Open a model for token-by-token inference. `engine: 'ts'` forces the TypeScript engine; otherwise
 * onnxruntime-node is used, falling back to the TS engine (with one `warn` per process) when it cannot load.
 */
export async function openInference(
  bytes: Uint8Array,
  opts: { engine?: EngineChoice; vocab?: number[]; name?: string; warn?: (m: string) => void } = {},
): Promise<InferenceHandle> {
  let engine: EngineChoice = opts.engine ?? 'onnx';
  if (engine === 'onnx') {
    const st = ortStatus();
    if (!st.ok) {
      if (!warned) {
        warned = true;
        (opts.warn ?? console.warn)(`${st.error}. Falling back to the TypeScript engine (slower).`);
      }
      engine = 'ts';
    }
  }
  if (engine === 'onnx') {
    const m = await OnnxModel.load(bytes, { vocab: opts.vocab, name: opts.name });
    return {
      engine,
      onnx: m,
      stepper: () => m.stepper(),
      dispose: () => m.dispose(),
      info: { vocab: m.info.vocab, config: m.info.config, card: m.info.card, norm: m.info.norm, vocabSize: m.vocabSize },
    };
  }
  const { info } = prepareModel(bytes, { vocab: opts.vocab, name: opts.name }); // same checks and metadata
  const { config, params } = paramsFromOnnx(bytes);
  const model = new Model(config, { params });
  return {
    engine,
    ts: model,
    stepper: () => new EngineStepper(model),
    dispose: async () => undefined,
    info: { vocab: info.vocab, config, card: info.card, norm: info.norm, vocabSize: config.outputs },
  };
}
