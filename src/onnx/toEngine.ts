/**
 * The way back from ONNX to the TypeScript engine, for models trained elsewhere (PyTorch, our own export script):
 * a graph that is a plain Embedding → LSTM/GRU/RNN (stacked) → Linear stack carries exactly the engine's weights,
 * because the engine stores them in ONNX layout and gate order. Reading them back gives a checkpoint that
 * "Continue Training…" trains further and fine-tunes on new text. Anything else says why it cannot be converted.
 */
import { type CellType, type ModelConfig, charConfig, GATES, regressionConfig } from '../engine/config';
import { encodeCheckpoint, type Checkpoint } from '../engine/checkpoint';
import { DEFAULT_TRAIN_OPTIONS, resolveOptions, type TrainOptions } from '../engine/options';
import { paramLayout } from '../engine/params';
import { Rng } from '../engine/rng';
import { type NodeProto, type TensorProto, decodeModel, tensorFloats } from './proto';

export class NotConvertibleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotConvertibleError';
  }
}

const dimsOf = (t: TensorProto) => (t.dims ?? []).map(Number);
const attr = (n: NodeProto, k: string) => (n.attribute ?? []).find((a) => a.name === k);

/**
 * The engine's config and flat parameters (ONNX layout, gate order iofc / zrh) of a plain graph: a char model
 * (Embedding → RNN → Linear, `vocabSize` characters), or with `vocabSize` null a forecaster (float rows → RNN →
 * Linear, as our PyTorch script exports one), whose features and outputs come from its weights.
 */
export function engineWeightsOf(bytes: Uint8Array, vocabSize: number | null): { config: ModelConfig; params: Float32Array } {
  const no = (why: string): never => {
    throw new NotConvertibleError(`the graph cannot be turned into a Sequence Lab checkpoint: ${why}`);
  };
  const g = decodeModel(bytes).graph ?? no('it has no graph');
  const inits = new Map((g.initializer ?? []).map((t) => [t.name ?? '', t]));
  const used = new Set<string>();
  const take = (name: string | undefined, what: string): TensorProto => {
    const t = name ? inits.get(name) : undefined;
    if (!t) no(`${what} is not a constant weight`);
    used.add(name!);
    return t!;
  };
  const nodes = g.node ?? [];
  const gather =
    vocabSize === null
      ? undefined
      : (nodes.find((n) => n.opType === 'Gather' && inits.has(n.input?.[0] ?? '')) ?? no('no embedding (a Gather from a weight matrix)'));
  const emb = gather ? take(gather.input![0], 'the embedding') : undefined;
  const [V0, E] = emb ? dimsOf(emb) : [0, 0];
  if (emb && (V0 !== vocabSize || !E)) no(`the embedding is [${dimsOf(emb).join(',')}], the vocabulary has ${vocabSize} characters`);
  const rec = nodes.filter((n) => ['LSTM', 'GRU', 'RNN'].includes(n.opType));
  const { op, cell, H } = recurrentStack(rec, no);
  const w0 = inits.get(rec[0]!.input?.[1] ?? '');
  const F = w0 ? (dimsOf(w0)[2] ?? 0) : 0;
  // the head: MatMul(Y, W [H,V]) + b [V], or Gemm with its weight transposed
  const mm =
    nodes.find((n) => (n.opType === 'MatMul' || n.opType === 'Gemm') && inits.has(n.input?.[1] ?? '')) ?? no('no output layer (a MatMul with a weight matrix)');
  const transB = mm.opType === 'Gemm' && Number(attr(mm, 'transB')?.i ?? 0) === 1;
  const w = take(mm.input![1], 'the output weights');
  const wd = dimsOf(w);
  const V = emb ? V0 : ((transB ? wd[0] : wd[1]) ?? 0);
  const config = emb
    ? charConfig({ cell, layers: rec.length, hidden: H, emb: E, vocab: V })
    : regressionConfig({ cell, layers: rec.length, hidden: H, features: F, outputs: V });
  const { entries, total } = paramLayout(config);
  const params = new Float32Array(total);
  const put = (name: string, v: Float32Array) => {
    const e = entries.find((x) => x.name === name)!;
    if (v.length !== e.size) no(`${name} has ${v.length} values, a ${cell.toUpperCase()} ${rec.length}×${H} needs ${e.size}`);
    params.set(v, e.offset);
  };
  if (emb) put('emb', tensorFloats(emb));
  const G = GATES[cell];
  rec.forEach((n, l) => {
    put(`W${l}`, tensorFloats(take(n.input?.[1], `layer ${l}'s input weights`)));
    put(`R${l}`, tensorFloats(take(n.input?.[2], `layer ${l}'s recurrent weights`)));
    put(`B${l}`, n.input?.[3] ? tensorFloats(take(n.input[3], `layer ${l}'s biases`)) : new Float32Array(2 * G * H));
  });
  let head = tensorFloats(w);
  if (transB ? wd[0] !== V || wd[1] !== H : wd[0] !== H || wd[1] !== V) no(`the output weights are [${wd.join(',')}], want [${H},${V}]`);
  if (transB) {
    const t = new Float32Array(H * V);
    for (let v = 0; v < V; v++) for (let h = 0; h < H; h++) t[h * V + v] = head[v * H + h]!;
    head = t;
  }
  put('headW', head);
  const biasName =
    mm.opType === 'Gemm'
      ? mm.input?.[2]
      : nodes.find((n) => n.opType === 'Add' && n.input?.includes(mm.output?.[0] ?? '') && n.input.some((i) => inits.has(i)))?.input?.find((i) => inits.has(i));
  put('headB', biasName ? tensorFloats(take(biasName, 'the output bias')) : new Float32Array(V));
  // any other float weight is a layer this stack does not have (a norm, a second head, a projection)
  const extra = [...inits.values()].filter((t) => !used.has(t.name ?? '') && t.dataType === 1 && dimsOf(t).reduce((a, b) => a * b, 1) > 16);
  if (extra.length)
    no(
      `it has weights beyond ${emb ? 'Embedding → ' : ''}${op} → Linear (${extra
        .slice(0, 3)
        .map((t) => t.name)
        .join(', ')})`,
    );
  return { config, params };
}

/** The recurrent layers' cell and hidden size, when they form a plain forward stack the engine computes. */
function recurrentStack(rec: NodeProto[], no: (why: string) => never): { op: string; cell: CellType; H: number } {
  if (rec.length === 0 || rec.length > 4) no(`${rec.length} recurrent layers (1 to 4 are supported)`);
  const op = rec[0]!.opType;
  if (rec.some((n) => n.opType !== op)) no('its recurrent layers mix LSTM, GRU and RNN');
  const cell = op.toLowerCase() as CellType;
  const H = Number(attr(rec[0]!, 'hidden_size')?.i ?? 0);
  for (const n of rec) {
    const dir = attr(n, 'direction')?.s;
    if (dir && new TextDecoder().decode(dir) !== 'forward') no('a recurrent layer is bidirectional or reversed');
    if (Number(attr(n, 'layout')?.i ?? 0) !== 0) no('a recurrent layer uses layout=1');
    if (attr(n, 'activations') || attr(n, 'clip') || Number(attr(n, 'input_forget')?.i ?? 0))
      no('a recurrent layer has non-default activations, clipping or coupled gates');
    if (cell === 'gru' && Number(attr(n, 'linear_before_reset')?.i ?? 0) !== 1)
      no('a GRU layer has linear_before_reset=0 (the engine computes linear_before_reset=1, as PyTorch)');
    if (Number(attr(n, 'hidden_size')?.i ?? 0) !== H) no('its recurrent layers have different hidden sizes');
  }
  return { op, cell, H };
}

/** A fresh checkpoint (step 0, zero optimizer state) holding `params` as both the weights and the best weights. */
export function freshCheckpoint(
  config: ModelConfig,
  params: Float32Array,
  vocab: number[] | null,
  options: Partial<TrainOptions>,
  meta: Record<string, unknown>,
): Uint8Array {
  const opts = resolveOptions({
    ...DEFAULT_TRAIN_OPTIONS,
    ...options,
    cell: config.cell,
    layers: config.layers,
    hidden: config.hidden,
    ...(config.emb ? { emb: config.emb } : {}),
  });
  const P = params.length;
  const ck: Checkpoint = {
    config,
    options: opts,
    vocab,
    meta,
    trainer: {
      step: 0,
      rng: new Rng(opts.seed).state(),
      data: { pos: 0, epoch: 0 },
      optimizerT: 0,
      bestValLoss: null,
      bestStep: 0,
      evalsSinceBest: 0,
      smoothLoss: null,
      minSmoothLoss: null,
      trainSeconds: 0,
    },
    params,
    optimizer: new Float32Array(opts.optimizer === 'adam' ? 2 * P : P),
    bestParams: params,
    h: Array.from({ length: config.layers }, () => new Float32Array(opts.batch * config.hidden)),
    c: Array.from({ length: config.layers }, () => new Float32Array(opts.batch * config.hidden)), // (B,H) per layer, as Model.newState
  };
  if (paramLayout(config).total !== P) throw new Error('parameter count does not match the config');
  return encodeCheckpoint(ck);
}
