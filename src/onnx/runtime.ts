/**
 * onnxruntime-node inference: the ONLY file that imports onnxruntime-node.
 *
 *   const m = await OnnxModel.load('model.onnx')            // ours or an imported foreign char model
 *   const r = await m.run(tokens, T, B, state?, { Y: true }) // logits (T,B,O), final state, Y per layer
 *   const s = m.stepper(); await s.prime(ids); await s.step(id)  // stateful, one token at a time
 *   await s.greedy(ids, 32, [newlineId])                      // read ids, then 32 greedy tokens in ONE run (greedy.ts)
 *   m.dispose()
 *
 * Every tensor is validated BEFORE session.run(): a native assertion inside onnxruntime can take down the whole
 * extension host (vscode#115185). Bad input becomes an InferenceInputError with a readable message.
 * onnxruntime-node is loaded lazily: `ortStatus()` says whether the native binary loads on this platform,
 * so callers can fall back to the TypeScript engine.
 */
import fs from 'node:fs';
import type * as Ort from 'onnxruntime-node';
import type { GreedyResult } from './decode';
import { InferenceInputError, ModelLoadError } from './errors';
import { Stepper } from './stepper';
import { GREEDY, buildGreedyModel, greedyUnsupported } from './greedy';
import { type ModelInfo, type Signature, ModelImportError, prepareModel } from './import';

let ortModule: typeof Ort | null = null;
let ortError: Error | null = null;
function ort(): typeof Ort {
  if (ortModule) return ortModule;
  if (ortError) throw ortError;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    ortModule = require('onnxruntime-node') as typeof Ort;
    return ortModule;
  } catch (e) {
    ortError = new ModelLoadError(`onnxruntime-node could not be loaded on this platform (${process.platform}-${process.arch}): ${(e as Error).message}`);
    throw ortError;
  }
}

/** Tests only: make the native runtime look unavailable (message) or restore it (null). */
export function setOrtUnavailableForTests(message: string | null): void {
  ortError = message === null ? null : new ModelLoadError(message);
  if (message !== null) ortModule = null;
}

/** Whether the native runtime loads here. */
export function ortStatus(): { ok: true } | { ok: false; error: string } {
  try {
    ort();
    return { ok: true };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

function toInt64(input: ModelInput): BigInt64Array {
  const out = new BigInt64Array(input.length);
  for (let i = 0; i < input.length; i++) out[i] = BigInt(input[i]!);
  return out;
}

/** (A,C,K) → (C,A,K): the two leading axes swapped, for batch-first graphs (a no-op copy when A or C is 1). */
function swapLeadingAxes<T extends ArrayLike<number>>(x: T, A: number, C: number, K: number): T extends Float32Array ? Float32Array : number[] {
  const out = x instanceof Float32Array ? new Float32Array(x.length) : new Array<number>(x.length);
  for (let a = 0; a < A; a++) for (let c = 0; c < C; c++) for (let k = 0; k < K; k++) out[(c * A + a) * K + k] = x[(a * C + c) * K + k]!;
  return out as T extends Float32Array ? Float32Array : number[];
}

/** Recurrent state: one Float32Array (n,B,H) per state input name. */
export type State = Record<string, Float32Array>;

export interface RunResult {
  /** (T,B,O) */
  logits: Float32Array;
  /** final state, ready to pass as the next call's state */
  state: State;
  /** per layer (T,B,H), when asked for */
  Y?: Float32Array[];
}

/** Token ids, or features (T,B,F) for regression models. */
export type ModelInput = ArrayLike<number>;

const SESSION_OPTIONS = (threads: number): Ort.InferenceSession.SessionOptions => ({
  intraOpNumThreads: threads,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
  logSeverityLevel: 4, // errors come back as exceptions
});

export class OnnxModel {
  private disposed = false;
  private greedyLoad: Promise<Ort.InferenceSession | null> | undefined;
  /** why greedy decoding steps one run per token instead of using the one-run graph (null: it uses the graph) */
  greedyFallbackReason: string | null = null;
  private constructor(
    private readonly session: Ort.InferenceSession,
    readonly info: ModelInfo,
    readonly source: string,
    private readonly bytes: Uint8Array,
    private readonly threads: number,
  ) {}

  /** Load from a path or bytes. `vocab` is needed for foreign models without our metadata. */
  static async load(src: string | Uint8Array, opts: { vocab?: number[]; name?: string; threads?: number } = {}): Promise<OnnxModel> {
    const name = opts.name ?? (typeof src === 'string' ? src : 'the model');
    let bytes: Uint8Array;
    if (typeof src === 'string') {
      try {
        bytes = fs.readFileSync(src);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new ModelLoadError(code === 'ENOENT' ? `Model file not found: ${src}` : `Cannot read model file ${src}: ${(e as Error).message}`);
      }
    } else bytes = src;
    let prepared: { bytes: Uint8Array; info: ModelInfo };
    try {
      prepared = prepareModel(bytes, { vocab: opts.vocab, name });
    } catch (e) {
      if (e instanceof ModelImportError) throw new ModelLoadError(e.message);
      throw e;
    }
    const o = ort();
    let session: Ort.InferenceSession;
    try {
      session = await o.InferenceSession.create(prepared.bytes, SESSION_OPTIONS(opts.threads ?? 1));
    } catch (e) {
      throw new ModelLoadError(`onnxruntime cannot load ${name}: ${String((e as Error).message ?? e).split('\n')[0]}`);
    }
    const missing = [prepared.info.signature.input, ...prepared.info.signature.states.map((s) => s.input)].filter((n) => !session.inputNames.includes(n));
    if (missing.length) {
      await session.release();
      throw new ModelLoadError(`${name}: the session does not expose input(s) ${missing.join(', ')}`);
    }
    return new OnnxModel(session, prepared.info, name, prepared.bytes, opts.threads ?? 1);
  }

  get signature(): Signature {
    return this.info.signature;
  }
  /** V for char models */
  get vocabSize(): number {
    return this.info.signature.outputs;
  }

  /** A zero state for B streams. */
  zeroState(B: number): State {
    const s: State = {};
    for (const st of this.signature.states) s[st.input] = new Float32Array(st.n * B * st.hidden);
    return s;
  }

  /** Check every tensor of a call; throws InferenceInputError. */
  validate(input: ModelInput, T: number, B: number, state?: State, stateTrusted = false): void {
    const sig = this.signature;
    const bad = (m: string): never => {
      throw new InferenceInputError(m);
    };
    if (!Number.isInteger(T) || T < 1) bad(`sequence length T must be a positive integer (got ${T})`);
    if (!Number.isInteger(B) || B < 1) bad(`batch size B must be a positive integer (got ${B})`);
    if (sig.fixedT !== null && T !== sig.fixedT) bad(`this model only takes sequences of exactly ${sig.fixedT} steps (got T=${T})`);
    if (sig.fixedB !== null && B !== sig.fixedB) bad(`this model only takes a batch of exactly ${sig.fixedB} (got B=${B})`);
    if (!input || typeof input.length !== 'number') bad('input must be an array of numbers');
    if (sig.kind === 'char') {
      if (input.length !== T * B) bad(`expected ${T * B} token ids for T=${T}, B=${B}, got ${input.length}`);
      const V = sig.outputs;
      for (let i = 0; i < input.length; i++) {
        const v = input[i]!;
        if (!Number.isInteger(v) || v < 0 || v >= V) bad(`token id ${v} at position ${i} is outside the vocabulary 0..${V - 1}`);
      }
    } else {
      const n = T * B * sig.features;
      if (input.length !== n) bad(`expected ${n} feature values for T=${T}, B=${B}, F=${sig.features}, got ${input.length}`);
      for (let i = 0; i < n; i++) if (!Number.isFinite(input[i]!)) bad(`feature value at position ${i} is not a finite number (${input[i]})`);
    }
    if (state) {
      for (const st of sig.states) {
        const s = state[st.input];
        if (!s) bad(`state ${st.input} is missing`);
        if (!(s instanceof Float32Array)) bad(`state ${st.input} must be a Float32Array`);
        if (s!.length !== st.n * B * st.hidden) bad(`state ${st.input} has ${s!.length} values, expected ${st.n}x${B}x${st.hidden} = ${st.n * B * st.hidden}`);
        if (!stateTrusted) for (let i = 0; i < s!.length; i++) if (!Number.isFinite(s![i]!)) bad(`state ${st.input} holds a non-finite value at ${i}`);
      }
    }
  }

  /** token ids (T,B) in the model's integer type, as [B,T] for a batch-first model */
  private tokenTensor(input: ModelInput, T: number, B: number): Ort.Tensor {
    const o = ort();
    const bf = this.signature.batchFirst;
    const ids = bf && B > 1 ? swapLeadingAxes(input, T, B, 1) : input;
    const dims = bf ? [B, T] : [T, B];
    return this.signature.inputType === 'int32' ? new o.Tensor('int32', Int32Array.from(ids), dims) : new o.Tensor('int64', toInt64(ids), dims);
  }

  /** One call over a (T,B) block of tokens (or (T,B,F) features), from `state` (zeros when omitted). */
  async run(input: ModelInput, T: number, B: number, state?: State, opts: { Y?: boolean; stateTrusted?: boolean } = {}): Promise<RunResult> {
    if (this.disposed) throw new InferenceInputError(`the model ${this.source} has been disposed`);
    this.validate(input, T, B, state, opts.stateTrusted);
    const o = ort();
    const sig = this.signature;
    const feeds: Record<string, Ort.Tensor> = {};
    if (sig.kind === 'char') {
      feeds[sig.input] = this.tokenTensor(input, T, B);
    } else {
      feeds[sig.input] = new o.Tensor('float32', Float32Array.from(input), [T, B, sig.features]);
    }
    const st = state ?? this.zeroState(B);
    for (const s of sig.states) feeds[s.input] = new o.Tensor('float32', st[s.input]!, [s.n, B, s.hidden]);
    const fetches = [sig.logits, ...sig.states.map((s) => s.output), ...(opts.Y ? sig.Y.map((y) => y.name) : [])];
    let out: Ort.InferenceSession.ReturnType;
    try {
      out = await this.session.run(feeds, fetches, { logSeverityLevel: 4 });
    } catch (e) {
      throw new InferenceInputError(`inference failed in ${this.source}: ${String((e as Error).message ?? e).split('\n')[0]}`);
    }
    const f32 = (name: string) => {
      const t = out[name];
      if (!t || t.type !== 'float32') throw new InferenceInputError(`output ${name} missing or not float32`);
      return t.data as Float32Array;
    };
    let logits = f32(sig.logits);
    if (logits.length !== T * B * sig.outputs)
      throw new InferenceInputError(`output ${sig.logits} has ${logits.length} values, expected ${T}x${B}x${sig.outputs}`);
    if (sig.batchFirst && B > 1) logits = swapLeadingAxes(logits, B, T, sig.outputs); // (B,T,O) → (T,B,O)
    const next: State = {};
    for (const s of sig.states) next[s.input] = f32(s.output);
    const res: RunResult = { logits, state: next };
    if (opts.Y) res.Y = sig.Y.map((y) => f32(y.name));
    return res;
  }

  /** A stateful stepper over one stream (B=1). */
  stepper(): Stepper {
    return new Stepper(this);
  }

  /** The greedy-decoding session (greedy.ts), built on first use; null when this model cannot have one. */
  private greedySession(): Promise<Ort.InferenceSession | null> {
    this.greedyLoad ??= (async () => {
      const why = greedyUnsupported(this.signature, this.info.opset);
      if (why) {
        this.greedyFallbackReason = why;
        return null;
      }
      try {
        return await ort().InferenceSession.create(buildGreedyModel(this.bytes, this.signature, this.info.opset), SESSION_OPTIONS(this.threads));
      } catch (e) {
        this.greedyFallbackReason = `the greedy graph does not load: ${String((e as Error).message ?? e).split('\n')[0]}`;
        return null;
      }
    })();
    return this.greedyLoad;
  }

  /**
   * Read `input` (T tokens, one stream) from `state`, then pick up to `maxSteps` tokens greedily, stopping after
   * one of `stopIds`: ONE run of the greedy graph. Returns the state after the context (not after the picks),
   * or null when this model has no greedy graph (see greedyFallbackReason; Stepper.greedy then steps).
   */
  async greedyRun(input: ModelInput, state: State, maxSteps: number, stopIds: number[]): Promise<(GreedyResult & { state: State }) | null> {
    if (this.disposed) throw new InferenceInputError(`the model ${this.source} has been disposed`);
    const T = input.length;
    this.validate(input, T, 1, state, true);
    if (!Number.isInteger(maxSteps) || maxSteps < 1) throw new InferenceInputError(`maxSteps must be a positive integer (got ${maxSteps})`);
    const V = this.signature.outputs;
    const stop = new Float32Array(V);
    for (const id of stopIds) {
      if (!Number.isInteger(id) || id < 0 || id >= V) throw new InferenceInputError(`stop id ${id} is outside the vocabulary 0..${V - 1}`);
      stop[id] = 1;
    }
    const session = await this.greedySession();
    if (!session || this.disposed) return null;
    const o = ort();
    const sig = this.signature;
    const feeds: Record<string, Ort.Tensor> = {
      [sig.input]: this.tokenTensor(input, T, 1),
      [GREEDY.steps]: new o.Tensor('int64', BigInt64Array.of(BigInt(maxSteps - 1)), []),
      [GREEDY.stop]: new o.Tensor('float32', stop, [V]),
    };
    for (const s of sig.states) feeds[s.input] = new o.Tensor('float32', state[s.input]!, [s.n, 1, s.hidden]);
    let out: Ort.InferenceSession.ReturnType;
    try {
      out = await session.run(feeds, [...sig.states.map((s) => s.output), GREEDY.first, GREEDY.firstLp, GREEDY.ids, GREEDY.lps], { logSeverityLevel: 4 });
    } catch (e) {
      throw new InferenceInputError(`greedy decoding failed in ${this.source}: ${String((e as Error).message ?? e).split('\n')[0]}`);
    }
    const next: State = {};
    for (const s of sig.states) next[s.input] = out[s.output]!.data as Float32Array;
    const ids = [Number((out[GREEDY.first]!.data as BigInt64Array)[0]), ...Array.from(out[GREEDY.ids]!.data as BigInt64Array, Number)];
    const logProbs = [(out[GREEDY.firstLp]!.data as Float32Array)[0]!, ...(out[GREEDY.lps]!.data as Float32Array)];
    if (ids.length !== logProbs.length || ids.length > maxSteps || ids.some((id) => id < 0 || id >= V)) {
      throw new InferenceInputError(`greedy decoding in ${this.source} returned malformed output (${ids.length} ids for at most ${maxSteps})`);
    }
    return { ids, logProbs, state: next };
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.session.release();
    const g = await this.greedyLoad?.catch(() => null);
    if (g) await g.release();
  }
  get isDisposed(): boolean {
    return this.disposed;
  }
}

/** Sessions by file path, reloaded when the file changes; dispose explicitly. */
export class SessionCache {
  private readonly entries = new Map<string, { stamp: string; model: Promise<OnnxModel> }>();

  async get(path: string, opts: { vocab?: number[] } = {}): Promise<OnnxModel> {
    let stamp: string;
    try {
      const st = fs.statSync(path);
      stamp = `${st.size}:${st.mtimeMs}`;
    } catch {
      throw new ModelLoadError(`Model file not found: ${path}`);
    }
    const hit = this.entries.get(path);
    if (hit && hit.stamp === stamp) {
      const m = await hit.model;
      if (!m.isDisposed) return m;
    }
    if (hit)
      void hit.model.then(
        (m) => m.dispose(),
        () => undefined,
      );
    const model = OnnxModel.load(path, opts);
    this.entries.set(path, { stamp, model });
    try {
      return await model;
    } catch (e) {
      this.entries.delete(path);
      throw e;
    }
  }

  get size(): number {
    return this.entries.size;
  }

  async dispose(path: string): Promise<void> {
    const hit = this.entries.get(path);
    this.entries.delete(path);
    if (hit)
      await hit.model.then(
        (m) => m.dispose(),
        () => undefined,
      );
  }

  async disposeAll(): Promise<void> {
    await Promise.all([...this.entries.keys()].map((p) => this.dispose(p)));
  }
}
