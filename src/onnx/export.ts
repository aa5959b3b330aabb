/**
 * Model → ONNX bytes. Pure: no onnxruntime, no I/O. Weights are copied straight from the flat ONNX-layout
 * parameter buffer (src/engine/params.ts).
 *
 * Graph (opset 14, layout=0, time-major, float32):
 *   char:        tokens int64 [T,B] → Gather(emb) → x0 [T,B,E]
 *   regression:  features float [T,B,F] = x0
 *   per layer l: LSTM/GRU/RNN(x_l, W{l}, R{l}, B{l}, '', h0_{l}[, c0_{l}]) → Y4 [T,1,B,H], hT_{l} [1,B,H][, cT_{l}]
 *                Squeeze(Y4, axes=[1]) → Y_{l} [T,B,H] = x_{l+1}
 *   head:        MatMul(Y_{L-1}, headW [H,O]) → Add(headB) → logits [T,B,O]
 * Inputs:  tokens | features, h0_{l} [1,B,H] (and c0_{l} for LSTM) per layer.
 * Outputs: logits, hT_{l} (and cT_{l}) per layer, Y_{l} per layer.
 * metadata_props: seqlab.format, seqlab.config, seqlab.vocab (JSON code points), seqlab.card, seqlab.norm, and last
 * seqlab.crc32 over every byte before it (checksum.ts).
 */
import { type ModelConfig, GATES, layerInput, validateConfig } from '../engine/config';
import { FlatParams } from '../engine/params';
import {
  type AttributeProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
  AttrType,
  DataType,
  encodeModel,
  floatTensor,
  int64Tensor,
} from './proto';
import { withChecksum } from './checksum';

/** 2: the file ends with a CRC-32 (checksum.ts); 1 (Sequence Lab 0.1) had none and is still read */
export const SEQLAB_FORMAT = '2';
export const SEQLAB_FORMATS_READ = ['1', '2'];
export const OPSET = 14;
export const IR_VERSION = 8;
export const META = {
  format: 'seqlab.format',
  config: 'seqlab.config',
  vocab: 'seqlab.vocab',
  card: 'seqlab.card',
  norm: 'seqlab.norm',
} as const;

export interface ExportMeta {
  vocab?: number[];
  card?: object;
  norm?: object;
}

/** Names of the graph's inputs and outputs, for a config. The runtime uses the same names. */
export function ioNames(c: ModelConfig): { input: string; h0: string[]; c0: string[]; hT: string[]; cT: string[]; Y: string[]; logits: string } {
  const L = Array.from({ length: c.layers }, (_, l) => l);
  const lstm = c.cell === 'lstm';
  return {
    input: c.kind === 'char' ? 'tokens' : 'features',
    h0: L.map((l) => `h0_${l}`),
    c0: lstm ? L.map((l) => `c0_${l}`) : [],
    hT: L.map((l) => `hT_${l}`),
    cT: lstm ? L.map((l) => `cT_${l}`) : [],
    Y: L.map((l) => `Y_${l}`),
    logits: 'logits',
  };
}

const intAttr = (name: string, i: number): AttributeProto => ({ name, type: AttrType.INT, i });
const dims = (ds: (number | string)[]) => ({ dim: ds.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) });
const valueInfo = (name: string, elemType: number, ds: (number | string)[]): ValueInfoProto => ({ name, type: { tensorType: { elemType, shape: dims(ds) } } });

/** Build the ONNX ModelProto object (exposed for tests; `exportOnnx` encodes it). */
export function buildModel(config: ModelConfig, params: Float32Array, meta: ExportMeta = {}): ModelProto {
  validateConfig(config);
  const p = new FlatParams(config, params);
  const { hidden: H, outputs: O, layers: L, cell } = config;
  const G = GATES[cell];
  const io = ioNames(config);
  if (config.kind === 'char' && meta.vocab && meta.vocab.length !== config.vocab) {
    throw new Error(`vocabulary has ${meta.vocab.length} characters but the model expects ${config.vocab}`);
  }

  const init: TensorProto[] = [];
  const nodes: NodeProto[] = [];
  const inputs: ValueInfoProto[] = [];
  const outputs: ValueInfoProto[] = [valueInfo(io.logits, DataType.FLOAT, ['T', 'B', O])];

  let x: string;
  if (config.kind === 'char') {
    inputs.push(valueInfo(io.input, DataType.INT64, ['T', 'B']));
    init.push(floatTensor('emb', [config.vocab, config.emb], p.view('emb')));
    nodes.push({ opType: 'Gather', name: 'embed', input: ['emb', io.input], output: ['x0'], attribute: [intAttr('axis', 0)] });
    x = 'x0';
  } else {
    inputs.push(valueInfo(io.input, DataType.FLOAT, ['T', 'B', config.features]));
    x = io.input;
  }
  init.push(int64Tensor('axes1', [1], [1]));

  const op = cell === 'lstm' ? 'LSTM' : cell === 'gru' ? 'GRU' : 'RNN';
  for (let l = 0; l < L; l++) {
    const I = layerInput(config, l);
    init.push(floatTensor(`W${l}`, [1, G * H, I], p.view(`W${l}`)));
    init.push(floatTensor(`R${l}`, [1, G * H, H], p.view(`R${l}`)));
    init.push(floatTensor(`B${l}`, [1, 2 * G * H], p.view(`B${l}`)));
    inputs.push(valueInfo(io.h0[l]!, DataType.FLOAT, [1, 'B', H]));
    if (cell === 'lstm') inputs.push(valueInfo(io.c0[l]!, DataType.FLOAT, [1, 'B', H]));
    const attribute = [intAttr('hidden_size', H), intAttr('layout', 0)];
    if (cell === 'gru') attribute.push(intAttr('linear_before_reset', 1));
    const nodeIn = [x, `W${l}`, `R${l}`, `B${l}`, '', io.h0[l]!];
    const nodeOut = [`Y4_${l}`, io.hT[l]!];
    if (cell === 'lstm') {
      nodeIn.push(io.c0[l]!);
      nodeOut.push(io.cT[l]!);
    }
    nodes.push({ opType: op, name: `${cell}${l}`, input: nodeIn, output: nodeOut, attribute });
    nodes.push({ opType: 'Squeeze', name: `squeeze${l}`, input: [`Y4_${l}`, 'axes1'], output: [io.Y[l]!] });
    outputs.push(valueInfo(io.hT[l]!, DataType.FLOAT, [1, 'B', H]));
    if (cell === 'lstm') outputs.push(valueInfo(io.cT[l]!, DataType.FLOAT, [1, 'B', H]));
    x = io.Y[l]!;
  }
  for (let l = 0; l < L; l++) outputs.push(valueInfo(io.Y[l]!, DataType.FLOAT, ['T', 'B', H]));

  init.push(floatTensor('headW', [H, O], p.view('headW')));
  init.push(floatTensor('headB', [O], p.view('headB')));
  nodes.push({ opType: 'MatMul', name: 'head_matmul', input: [x, 'headW'], output: ['head_mm'] });
  nodes.push({ opType: 'Add', name: 'head_add', input: ['head_mm', 'headB'], output: [io.logits] });

  const props: { key: string; value: string }[] = [
    { key: META.format, value: SEQLAB_FORMAT },
    { key: META.config, value: JSON.stringify(config) },
  ];
  if (meta.vocab) props.push({ key: META.vocab, value: JSON.stringify(meta.vocab) });
  if (meta.card) props.push({ key: META.card, value: JSON.stringify(meta.card) });
  if (meta.norm) props.push({ key: META.norm, value: JSON.stringify(meta.norm) });

  return {
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'seqlab',
    producerVersion: '0.1.0',
    docString: `Sequence Lab ${config.kind} model: ${L} x ${cell.toUpperCase()} ${H}`,
    graph: { name: 'seqlab', node: nodes, initializer: init, input: inputs, output: outputs },
    metadataProps: props,
  };
}

/** Export a model to ONNX bytes, checksummed. */
export function exportOnnx(config: ModelConfig, params: Float32Array, meta: ExportMeta = {}): Uint8Array {
  return withChecksum(encodeModel(buildModel(config, params, meta)));
}
