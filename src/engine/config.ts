/** Model configuration: everything needed to rebuild the parameter layout. Serialized into checkpoints and ONNX metadata. */
export type CellType = 'lstm' | 'gru' | 'rnn';
export type ModelKind = 'char' | 'regression';

export interface ModelConfig {
  kind: ModelKind;
  cell: CellType;
  /** L, 1..4 */
  layers: number;
  /** H */
  hidden: number;
  /** V: vocabulary size (char models; 0 for regression) */
  vocab: number;
  /** E: embedding size (char models; 0 for regression) */
  emb: number;
  /** F: features per step (regression models; 0 for char) */
  features: number;
  /** O: head outputs. V for char models, targets*horizon for regression. */
  outputs: number;
  /** dropout probability between stacked layers, training only */
  dropout: number;
}

/** G per cell type. Gate order is ONNX's: LSTM iofc, GRU zrh (linear_before_reset=1), RNN tanh. */
export const GATES: Record<CellType, number> = { lstm: 4, gru: 3, rnn: 1 };

export function charConfig(o: { cell?: CellType; layers?: number; hidden?: number; emb?: number; vocab: number; dropout?: number }): ModelConfig {
  return {
    kind: 'char',
    cell: o.cell ?? 'lstm',
    layers: o.layers ?? 1,
    hidden: o.hidden ?? 128,
    vocab: o.vocab,
    emb: o.emb ?? 64,
    features: 0,
    outputs: o.vocab,
    dropout: o.dropout ?? 0,
  };
}

export function regressionConfig(o: { cell?: CellType; layers?: number; hidden?: number; features: number; outputs: number; dropout?: number }): ModelConfig {
  return {
    kind: 'regression',
    cell: o.cell ?? 'lstm',
    layers: o.layers ?? 1,
    hidden: o.hidden ?? 64,
    vocab: 0,
    emb: 0,
    features: o.features,
    outputs: o.outputs,
    dropout: o.dropout ?? 0,
  };
}

/** I of layer l: E (char) or F (regression) for layer 0, H above. */
export function layerInput(c: ModelConfig, l: number): number {
  return l === 0 ? (c.kind === 'char' ? c.emb : c.features) : c.hidden;
}

export function validateConfig(c: ModelConfig): void {
  const bad = (m: string) => {
    throw new Error(`Invalid model config: ${m}`);
  };
  if (typeof c !== 'object' || c === null) bad('it is missing');
  if (!(c.cell in GATES)) bad(`cell must be lstm, gru or rnn (got ${c.cell})`);
  if (!Number.isInteger(c.layers) || c.layers < 1 || c.layers > 4) bad(`layers must be 1..4 (got ${c.layers})`);
  if (!Number.isInteger(c.hidden) || c.hidden < 1) bad(`hidden must be a positive integer (got ${c.hidden})`);
  if (c.kind === 'char') {
    if (!Number.isInteger(c.vocab) || c.vocab < 1) bad(`vocab must be >= 1 (got ${c.vocab})`);
    if (!Number.isInteger(c.emb) || c.emb < 1) bad(`emb must be >= 1 (got ${c.emb})`);
    if (c.outputs !== c.vocab) bad('outputs must equal vocab for char models');
  } else if (c.kind === 'regression') {
    if (!Number.isInteger(c.features) || c.features < 1) bad(`features must be >= 1 (got ${c.features})`);
    if (!Number.isInteger(c.outputs) || c.outputs < 1) bad(`outputs must be >= 1 (got ${c.outputs})`);
  } else bad(`kind must be char or regression (got ${c.kind as string})`);
  if (!(c.dropout >= 0 && c.dropout < 1)) bad(`dropout must be in [0,1) (got ${c.dropout})`);
}
