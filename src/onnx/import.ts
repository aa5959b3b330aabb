/**
 * Reading an ONNX file's interface: ours (seqlab.* metadata) or a foreign character model (e.g. PyTorch
 * `torch.onnx.export` of nn.Embedding + nn.LSTM + nn.Linear). Pure: protobuf only, no onnxruntime.
 *
 * A model fits when it has:
 *   - one integer input (int64 or int32) of rank 2, the token ids, time-major [T,B] or batch-first [B,T] (PyTorch
 *     `batch_first=True`, found by tokenLayout), or ours: `features` float [T,B,F];
 *   - every other input a float recurrent state [n,B,H] (n = 1 per layer, or n = layers stacked), each paired
 *     with a float output of the same shape (pairs are taken in graph order: h0→hN, c0→cN);
 *   - an output [T,B,V] (or [B,T,V] for a batch-first model) whose last dimension is the vocabulary size (the logits);
 *   - state inputs are optional: a model without them starts every run from zeros.
 * The vocabulary comes from our `seqlab.vocab` metadata, else from a JSON list or a text file supplied by the user.
 * For heatmaps, the hidden sequence Y of every forward LSTM/GRU/RNN node of a foreign graph is exposed as an
 * extra graph output (the bytes are rewritten; the weights are untouched).
 */
import { type ModelConfig, validateConfig } from '../engine/config';
import { paramLayout } from '../engine/params';
import { Vocab } from '../data/vocab';
import { checksumProblem, IMPORTED_KEY } from './checksum';
import { ioNames, META, SEQLAB_FORMATS_READ } from './export';
import { type ModelProto, type NodeProto, type ValueInfoProto, DATA_TYPE_NAME, DataType, decodeModel, encodePatch, metadataOf } from './proto';

/** A dimension: a fixed size, or a symbolic/unknown one (null). */
export type Dim = number | null;

export interface StateSpec {
  /** graph input that takes the initial state, shape [n,B,H] */
  input: string;
  /** graph output that returns the final state, same shape */
  output: string;
  /** n: 1 for per-layer states, L for states stacked over layers */
  n: number;
  hidden: number;
}

export interface Signature {
  kind: 'char' | 'regression';
  /** the token (or features) input */
  input: string;
  inputType: 'int64' | 'int32' | 'float32';
  /** F for regression models */
  features: number;
  /** tokens [B,T] and logits [B,T,O] (PyTorch `batch_first=True`) instead of time-major [T,B]; states stay [n,B,H] */
  batchFirst: boolean;
  /** fixed sizes of the input's T and B dimensions (null = dynamic), checked before every run */
  fixedT: number | null;
  fixedB: number | null;
  logits: string;
  /** O: size of the last logits dimension */
  outputs: number;
  states: StateSpec[];
  /** outputs holding every layer's hidden sequence: [T,B,H] (ours) or [T,1,B,H] (foreign; same flat order) */
  Y: { name: string; hidden: number }[];
}

export interface ModelInfo {
  /** true when the file was written by Sequence Lab */
  ours: boolean;
  signature: Signature;
  /** code points, id → character (char models) */
  vocab?: number[];
  config?: ModelConfig;
  card?: Record<string, unknown>;
  norm?: Record<string, unknown>;
  metadata: Record<string, string>;
  producer: string;
  opset: number;
  /** foreign models: what the graph looks like, for the model card */
  shape?: { cell: 'lstm' | 'gru' | 'rnn' | null; layers: number; hidden: number; emb: number; params: number };
}

/** What a foreign model must look like, said with every refusal so the user knows what to export instead. */
export const EXPECTED_SIGNATURE =
  'Sequence Lab imports character models of the form Embedding → LSTM/GRU/RNN → Linear, with ' +
  'one integer token input (int64 or int32) [T,B] or [B,T] (batch_first); optionally float state inputs [layers,B,H], each returned ' +
  'by an output of the same shape (states start at zero without them); and float logits [T,B,V] or [B,T,V], V = the vocabulary size.';

export class ModelImportError extends Error {
  constructor(
    message: string,
    readonly problems: string[] = [],
  ) {
    super(message);
    this.name = 'ModelImportError';
  }
}

/** Vocabulary from a user-supplied file: a JSON list (characters or code points) or a JSON string, else plain text whose distinct characters, sorted, define it. */
export function vocabFromFile(text: string, fileName = 'the vocabulary file'): number[] {
  const trimmed = text.trim();
  if (fileName.toLowerCase().endsWith('.json') || trimmed.startsWith('[')) {
    let v: unknown;
    try {
      v = JSON.parse(trimmed);
    } catch (e) {
      throw new ModelImportError(`${fileName} is not valid JSON: ${(e as Error).message}`);
    }
    let cps: number[];
    if (typeof v === 'string') cps = Array.from(v, (ch) => ch.codePointAt(0)!);
    else if (Array.isArray(v)) {
      cps = v.map((x, i) => {
        if (typeof x === 'number') return x;
        if (typeof x === 'string' && Array.from(x).length === 1) return x.codePointAt(0)!;
        throw new ModelImportError(`${fileName}: entry ${i} (${JSON.stringify(x)}) is not a single character or a code point`);
      });
    } else throw new ModelImportError(`${fileName} must hold a JSON list of characters (or code points) or a string`);
    try {
      return Vocab.fromJSON(cps).codePoints;
    } catch (e) {
      throw new ModelImportError(`${fileName}: ${(e as Error).message}`);
    }
  }
  try {
    return Vocab.fromText(text).codePoints;
  } catch (e) {
    throw new ModelImportError(`${fileName}: ${(e as Error).message}`);
  }
}

const shapeOf = (v: ValueInfoProto): Dim[] | null => {
  const s = v.type?.tensorType?.shape;
  if (!s) return null;
  return (s.dim ?? []).map((d) => (typeof d.dimValue === 'number' && d.dimValue > 0 ? d.dimValue : null));
};
const typeOf = (v: ValueInfoProto): number => v.type?.tensorType?.elemType ?? DataType.UNDEFINED;
const fmt = (v: ValueInfoProto): string => {
  const s = shapeOf(v);
  const ds = v.type?.tensorType?.shape?.dim ?? [];
  return `${v.name} (${DATA_TYPE_NAME[typeOf(v)] ?? '?'}${s ? ` [${ds.map((d) => d.dimParam || (d.dimValue ?? '?')).join(',')}]` : ''})`;
};

function parseJsonMeta<T>(meta: Record<string, string>, key: string, problems: string[]): T | undefined {
  if (meta[key] === undefined) return undefined;
  try {
    return JSON.parse(meta[key]) as T;
  } catch {
    problems.push(`metadata ${key} is not valid JSON`);
    return undefined;
  }
}

function describeOurs(m: ModelProto, meta: Record<string, string>, problems: string[]): ModelInfo | null {
  if (!SEQLAB_FORMATS_READ.includes(meta[META.format]!)) {
    problems.push(
      `written by a newer Sequence Lab, or damaged (format ${JSON.stringify(meta[META.format])}; this version reads formats ${SEQLAB_FORMATS_READ.join(' and ')})`,
    );
    return null;
  }
  const config = parseJsonMeta<ModelConfig>(meta, META.config, problems);
  if (!config) {
    problems.push('metadata seqlab.config is missing');
    return null;
  }
  try {
    validateConfig(config);
  } catch (e) {
    problems.push((e as Error).message);
    return null;
  }
  const io = ioNames(config);
  const inputs = new Set((m.graph!.input ?? []).map((i) => i.name));
  const outputs = new Set((m.graph!.output ?? []).map((o) => o.name));
  for (const n of [io.input, ...io.h0, ...io.c0]) if (!inputs.has(n)) problems.push(`graph input ${n} is missing`);
  for (const n of [io.logits, ...io.hT, ...io.cT, ...io.Y]) if (!outputs.has(n)) problems.push(`graph output ${n} is missing`);
  // every weight present with the shape the config implies (a mismatch would only fail inside a run)
  const inits = new Map((m.graph!.initializer ?? []).map((t) => [t.name ?? '', t]));
  for (const e of paramLayout(config).entries) {
    const t = inits.get(e.name);
    const want = e.name === 'headW' || e.name === 'headB' || e.name === 'emb' ? e.shape : [1, ...e.shape];
    if (!t) problems.push(`weights ${e.name} are missing`);
    else if ((t.dims ?? []).join(',') !== want.join(','))
      problems.push(`weights ${e.name} have shape [${(t.dims ?? []).join(',')}], the config needs [${want.join(',')}]`);
  }
  const vocab = parseJsonMeta<number[]>(meta, META.vocab, problems);
  // a char model without seqlab.vocab still runs on token ids; text needs a vocabulary supplied by the caller
  if (config.kind === 'char' && vocab && vocab.length !== config.vocab) {
    problems.push(`vocabulary has ${vocab.length} entries, config says ${config.vocab}`);
  }
  const states: StateSpec[] = [];
  for (let l = 0; l < config.layers; l++) {
    states.push({ input: io.h0[l]!, output: io.hT[l]!, n: 1, hidden: config.hidden });
    if (config.cell === 'lstm') states.push({ input: io.c0[l]!, output: io.cT[l]!, n: 1, hidden: config.hidden });
  }
  return {
    ours: true,
    config,
    vocab,
    metadata: meta,
    card: parseJsonMeta(meta, META.card, problems),
    norm: parseJsonMeta(meta, META.norm, problems),
    producer: m.producerName ?? '',
    opset: opsetOf(m),
    signature: {
      kind: config.kind,
      input: io.input,
      inputType: config.kind === 'char' ? 'int64' : 'float32',
      features: config.features,
      batchFirst: false,
      fixedT: null,
      fixedB: null,
      logits: io.logits,
      outputs: config.outputs,
      states,
      Y: io.Y.map((name) => ({ name, hidden: config.hidden })),
    },
  };
}

function foreignShape(m: ModelProto): NonNullable<ModelInfo['shape']> {
  const g = m.graph!;
  const rec = (g.node ?? []).filter((n) => ['LSTM', 'GRU', 'RNN'].includes(n.opType));
  const attrI = (n: NodeProto, k: string) => (n.attribute ?? []).find((a) => a.name === k)?.i ?? 0;
  const inits = new Map((g.initializer ?? []).map((t) => [t.name ?? '', t]));
  const gather = (g.node ?? []).find((n) => n.opType === 'Gather' && inits.has(n.input?.[0] ?? ''));
  const embDims = gather ? (inits.get(gather.input![0]!)!.dims ?? []) : [];
  const params = (g.initializer ?? []).reduce((a, t) => a + (t.dims ?? []).reduce((x, y) => x * y, 1), 0);
  const op = rec[0]?.opType;
  return {
    cell: op === 'LSTM' ? 'lstm' : op === 'GRU' ? 'gru' : op === 'RNN' ? 'rnn' : null,
    layers: rec.length,
    hidden: rec[0] ? attrI(rec[0], 'hidden_size') : 0,
    emb: embDims[1] ?? 0,
    params,
  };
}

function opsetOf(m: ModelProto): number {
  return (m.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx')?.version ?? 0;
}

function describeForeign(
  m: ModelProto,
  meta: Record<string, string>,
  vocab: number[] | undefined,
  problems: string[],
  extraOutputs: ValueInfoProto[],
): ModelInfo | null {
  const g = m.graph!;
  const inits = new Set((g.initializer ?? []).map((t) => t.name));
  const inputs = (g.input ?? []).filter((i) => !inits.has(i.name));
  const outputs = g.output ?? [];
  const tokenInput = tokenInputOf(inputs, problems);
  const { states, usedOut } = statesOf(
    inputs.filter((i) => i !== tokenInput),
    outputs,
    problems,
  );
  if (!vocab) {
    problems.push(
      'no vocabulary: the model carries no seqlab.vocab metadata; supply a JSON list of characters or a text file whose characters define it (--vocab FILE)',
    );
  }
  const logits = vocab ? logitsOf(outputs, usedOut, vocab.length, problems) : undefined;
  if (problems.length) return null;
  const Y = recurrentOutputs(g, outputs, extraOutputs);
  const batchFirst = tokenLayout(g, tokenInput!) === 'batch-first';
  const dims = shapeOf(tokenInput!);
  return {
    ...{ ours: false, vocab, metadata: meta, producer: m.producerName ?? '', opset: opsetOf(m), shape: foreignShape(m) },
    signature: {
      kind: 'char',
      input: tokenInput!.name,
      inputType: typeOf(tokenInput!) === DataType.INT32 ? 'int32' : 'int64',
      features: 0,
      batchFirst,
      fixedT: dims?.[batchFirst ? 1 : 0] ?? null,
      fixedB: dims?.[batchFirst ? 0 : 1] ?? null,
      logits: logits!.name,
      outputs: vocab!.length,
      states,
      Y,
    },
  };
}

/** The one integer input of rank 2: the tokens. */
function tokenInputOf(inputs: ValueInfoProto[], problems: string[]): ValueInfoProto | undefined {
  const intInputs = inputs.filter((i) => typeOf(i) === DataType.INT64 || typeOf(i) === DataType.INT32);
  if (intInputs.length === 0) {
    problems.push(
      `no integer token input: Sequence Lab imports character models taking token ids int64 [T,B]; the inputs are ${inputs.map(fmt).join(', ') || 'none'}`,
    );
    return undefined;
  }
  if (intInputs.length > 1) {
    problems.push(`more than one integer input (${intInputs.map(fmt).join(', ')}); expected exactly one token input [T,B]`);
    return undefined;
  }
  const s = shapeOf(intInputs[0]!);
  if (s && s.length !== 2) problems.push(`token input ${fmt(intInputs[0]!)} must have rank 2: [T,B] (time-major) or [B,T] (batch_first)`);
  return intInputs[0];
}

/** Recurrent states: float [n,B,H] inputs paired with outputs of the same static n and H, in graph order. */
function statesOf(stateInputs: ValueInfoProto[], outputs: ValueInfoProto[], problems: string[]): { states: StateSpec[]; usedOut: Set<string> } {
  const stateLike = (v: ValueInfoProto) => {
    const s = shapeOf(v);
    return typeOf(v) === DataType.FLOAT && s !== null && s.length === 3 && s[0] !== null && s[2] !== null ? s : null;
  };
  const states: StateSpec[] = [];
  const usedOut = new Set<string>();
  for (const si of stateInputs) {
    const s = stateLike(si);
    if (!s) {
      problems.push(`input ${fmt(si)} is neither the token input nor a recurrent state float [n,B,H] with fixed n and H`);
      continue;
    }
    const out = outputs.find((o) => !usedOut.has(o.name) && stateLike(o)?.[0] === s[0] && stateLike(o)?.[2] === s[2]);
    if (!out) {
      problems.push(`state input ${fmt(si)} has no matching output [${s[0]},B,${s[2]}] to carry the state`);
      continue;
    }
    usedOut.add(out.name);
    states.push({ input: si.name, output: out.name, n: s[0]!, hidden: s[2]! });
  }
  return { states, usedOut };
}

/** The float rank-3 output whose last dimension is the vocabulary size. */
function logitsOf(outputs: ValueInfoProto[], usedOut: Set<string>, V: number, problems: string[]): ValueInfoProto | undefined {
  const cands = outputs.filter((o) => !usedOut.has(o.name) && typeOf(o) === DataType.FLOAT && shapeOf(o)?.length === 3);
  const logits = cands.find((o) => shapeOf(o)![2] === V);
  if (!logits) {
    const hint = cands.map((o) => `${fmt(o)}`).join(', ');
    problems.push(
      `no logits output [T,B,${V}] matching the ${V}-character vocabulary` +
        (hint ? `; float rank-3 outputs are ${hint}` : '; the outputs are ' + (outputs.map(fmt).join(', ') || 'none')),
    );
  }
  return logits;
}

/** Each forward recurrent node's Y, exposed as an output (for the heatmaps). */
function recurrentOutputs(g: NonNullable<ModelProto['graph']>, outputs: ValueInfoProto[], extraOutputs: ValueInfoProto[]): { name: string; hidden: number }[] {
  const Y: { name: string; hidden: number }[] = [];
  for (const n of g.node ?? []) {
    if (!['LSTM', 'GRU', 'RNN'].includes(n.opType) || (n.domain && n.domain !== 'ai.onnx')) continue;
    const attr = (k: string) => (n.attribute ?? []).find((a) => a.name === k);
    const dir = attr('direction')?.s;
    if ((attr('layout')?.i ?? 0) !== 0 || (dir && new TextDecoder().decode(dir) !== 'forward')) continue;
    const y = n.output?.[0];
    const H = attr('hidden_size')?.i;
    if (!y || !H) continue;
    Y.push({ name: y, hidden: H });
    if (!outputs.some((o) => o.name === y)) extraOutputs.push({ name: y, type: { tensorType: { elemType: DataType.FLOAT } } });
  }
  return Y;
}

/**
 * Whether a foreign graph takes its tokens [T,B] or [B,T]. Follows the token tensor forward (through the embedding
 * Gather, casts and other element-wise steps) to the first recurrent node: each Transpose with perm [1,0,…] on the way
 * swaps the two leading axes, and the node's own `layout=1` means batch-first. PyTorch's exporter writes
 * `Gather → Transpose(perm=[1,0,2]) → LSTM` for `batch_first=True`. A graph with no recurrent node on that path is
 * read from its dimension names ([batch, time], [B, T], [N, seq_len]…), and is time-major when they say nothing.
 */
export function tokenLayout(g: NonNullable<ModelProto['graph']>, tokens: ValueInfoProto): 'time-major' | 'batch-first' {
  const consumers = new Map<string, NodeProto[]>();
  for (const n of g.node ?? []) for (const i of n.input ?? []) if (i) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  const PASS = new Set(['Gather', 'Cast', 'Identity', 'Dropout', 'Relu', 'Tanh', 'Sigmoid', 'Mul', 'Add', 'Div', 'Sub', 'Reshape', 'Unsqueeze']);
  const seen = new Set<string>();
  const walk = (name: string, swapped: boolean): boolean | null => {
    if (seen.has(name)) return null;
    seen.add(name);
    for (const n of consumers.get(name) ?? []) {
      if (['LSTM', 'GRU', 'RNN'].includes(n.opType)) {
        if (n.input?.[0] !== name) continue;
        const layout = (n.attribute ?? []).find((a) => a.name === 'layout')?.i ?? 0;
        return swapped !== (layout === 1);
      }
      let next = swapped;
      if (n.opType === 'Transpose') {
        const perm = ((n.attribute ?? []).find((a) => a.name === 'perm')?.ints ?? []).map(Number);
        if (perm[0] === 1 && perm[1] === 0) next = !swapped;
        else if (!(perm[0] === 0 && perm[1] === 1)) continue;
      } else if (!PASS.has(n.opType)) continue;
      const r = walk(n.output?.[0] ?? '', next);
      if (r !== null) return r;
    }
    return null;
  };
  const traced = walk(tokens.name ?? '', false);
  if (traced !== null) return traced ? 'batch-first' : 'time-major';
  const names = (tokens.type?.tensorType?.shape?.dim ?? []).map((d) => (d.dimParam ?? '').toLowerCase());
  const isBatch = (n: string) => /^(b|n|batch|batch_size|bs)$/.test(n);
  const isTime = (n: string) => /^(t|time|seq|seq_len|sequence|sequence_length|len|length|steps)$/.test(n);
  return names.length === 2 && isBatch(names[0]!) && isTime(names[1]!) ? 'batch-first' : 'time-major';
}

/**
 * Read an ONNX file's bytes: decode, find its interface, and (for foreign graphs) expose Y outputs.
 * Returns the bytes to load into a session and the interface. Throws ModelImportError saying what does not fit.
 */
export function prepareModel(bytes: Uint8Array, opts: { vocab?: number[]; name?: string } = {}): { bytes: Uint8Array; info: ModelInfo } {
  const what = opts.name ?? 'the model';
  let m: ModelProto;
  try {
    m = decodeModel(bytes);
  } catch (e) {
    throw new ModelImportError(`Cannot read ${what}: ${(e as Error).message}`);
  }
  const meta = metadataOf(m);
  const problems: string[] = [];
  const damaged = checksumProblem(bytes, meta, (meta[META.format] !== undefined && meta[META.format] !== '1') || meta[IMPORTED_KEY] !== undefined);
  if (damaged) throw new ModelImportError(`Cannot use ${what}: ${damaged}.`);
  if (meta[META.format] !== undefined) {
    const info = describeOurs(m, meta, problems);
    if (!info || problems.length) throw new ModelImportError(`${what} is a Sequence Lab model that does not fit: ${problems.join('; ')}`, problems);
    if (opts.vocab && info.config?.kind === 'char') {
      if (opts.vocab.length !== info.config.vocab) {
        throw new ModelImportError(`the supplied vocabulary has ${opts.vocab.length} characters but ${what} has ${info.config.vocab} token ids`);
      }
      info.vocab ??= opts.vocab;
    }
    return { bytes, info };
  }
  const extra: ValueInfoProto[] = [];
  // an imported model folder keeps its vocabulary in seqlab.vocab (without seqlab.format: the graph stays foreign)
  let vocab = opts.vocab;
  if (!vocab && meta[META.vocab] !== undefined) {
    vocab = parseJsonMeta<number[]>(meta, META.vocab, problems);
    if (vocab) {
      try {
        vocab = Vocab.fromJSON(vocab).codePoints;
      } catch (e) {
        problems.push(`metadata seqlab.vocab: ${(e as Error).message}`);
        vocab = undefined;
      }
    }
  }
  const info = describeForeign(m, meta, vocab, problems, extra);
  if (!info) {
    throw new ModelImportError(`${what} does not fit Sequence Lab's character-model interface: ${problems.join('; ')}. ${EXPECTED_SIGNATURE}`, problems);
  }
  if (!extra.length) return { bytes, info };
  const patch = encodePatch({ graph: { output: extra } });
  const out = new Uint8Array(bytes.length + patch.length);
  out.set(bytes);
  out.set(patch, bytes.length);
  return { bytes: out, info };
}
