/**
 * The greedy-decoding graph: a char model wrapped so that ONE onnxruntime run reads a context and then generates
 * up to N characters greedily, inside an ONNX `Loop`. Autocomplete's cold path was 1 + N runs, and each
 * `session.run()` of onnxruntime-node costs a turn of the event loop plus tensor wrapping (~0.1 ms), which is
 * more than the arithmetic of one step of a small model. Pure: builds bytes, no onnxruntime import.
 *
 *   inputs   <tokens> [T,1]            the context (the model's own input name and integer type)
 *            <state inputs> [n,1,H]    the model's own state inputs (h0_l, c0_l...)
 *            greedy_steps   int64 []   Loop trip count: characters to generate after the first (≥ 0)
 *            greedy_stop    float [V]  1 for token ids that end the decode (newline), else 0
 *   outputs  <state outputs> [n,1,H]   the state after the context (NOT after the generated characters)
 *            greedy_first   int64 [1,1], greedy_first_lp float [1,1]   argmax after the context, its log-prob
 *            greedy_ids     int64 [N,1,1], greedy_lps float [N,1,1]    the following ones; a stop id ends the list
 *
 * The model's nodes appear twice: once in the main graph over the context (names unchanged) and once as the
 * Loop body over one token (every value renamed `body/...`; the weights are initializers of the main graph,
 * which ONNX subgraphs may read). ArgMax ties go to the lower id (TopK's rule), as the TypeScript argmax does.
 */
import type { Signature } from './import';
import { type GraphProto, type ModelProto, type NodeProto, type ValueInfoProto, AttrType, DataType, decodeModel, encodeModel, int64Tensor } from './proto';

export const GREEDY = {
  steps: 'greedy_steps',
  stop: 'greedy_stop',
  first: 'greedy_first',
  firstLp: 'greedy_first_lp',
  ids: 'greedy_ids',
  lps: 'greedy_lps',
} as const;

/** Why a model cannot get a greedy graph (the caller then steps one run per character), or null. */
export function greedyUnsupported(sig: Signature, opset: number): string | null {
  if (sig.kind !== 'char') return 'not a character model';
  if (sig.states.length === 0) return 'the model has no state inputs';
  if (sig.fixedT !== null || sig.fixedB !== null) return 'the model has a fixed sequence length or batch size';
  if (opset < 11) return `opset ${opset} has no Loop with scan outputs (needs 11+)`;
  return null;
}

const vi = (name: string, elemType: number, dims: (number | string)[]): ValueInfoProto => ({
  name,
  type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
});

const P = 'greedy/';
const attrI = (name: string, i: number) => ({ name, type: AttrType.INT, i });
const stateVi = (name: string, s: Signature['states'][number]) => vi(name, DataType.FLOAT, [s.n, 1, s.hidden]);

/** Nodes that turn logits [.., V] (last row = the next-token distribution) into token [1,1] (model type) and its log-prob [1,1]. */
function pickNodes(pre: string, logits: string, row: boolean, tokType: number): NodeProto[] {
  const out: NodeProto[] = [];
  let r = logits;
  if (row) {
    out.push({ opType: 'Reshape', name: `${pre}flat`, input: [logits, `${P}flatV`], output: [`${pre}flat`] });
    out.push({ opType: 'Gather', name: `${pre}lastrow`, input: [`${pre}flat`, `${P}last`], output: [`${pre}lastrow`], attribute: [attrI('axis', 0)] });
    r = `${pre}lastrow`;
  }
  out.push({ opType: 'Reshape', name: `${pre}row`, input: [r, `${P}rowV`], output: [`${pre}row`] });
  out.push({ opType: 'LogSoftmax', name: `${pre}lsm`, input: [`${pre}row`], output: [`${pre}lsm`], attribute: [attrI('axis', -1)] });
  out.push({ opType: 'TopK', name: `${pre}top`, input: [`${pre}lsm`, `${P}k1`], output: [`${pre}lp`, `${pre}id64`], attribute: [attrI('axis', -1)] });
  out.push(
    tokType === DataType.INT64
      ? { opType: 'Identity', name: `${pre}tok`, input: [`${pre}id64`], output: [`${pre}tok`] }
      : { opType: 'Cast', name: `${pre}tok`, input: [`${pre}id64`], output: [`${pre}tok`], attribute: [attrI('to', DataType.INT32)] },
  );
  // go on while the token is not a stop id: stop[tok] < 0.5, as a scalar bool
  out.push({ opType: 'Gather', name: `${pre}isstop`, input: [GREEDY.stop, `${pre}id64`], output: [`${pre}isstop`], attribute: [attrI('axis', 0)] });
  out.push({ opType: 'Less', name: `${pre}go2`, input: [`${pre}isstop`, `${P}half`], output: [`${pre}go2`] });
  out.push({ opType: 'Reshape', name: `${pre}go`, input: [`${pre}go2`, `${P}scalar`], output: [`${pre}go`] });
  return out;
}

/** The loop body: the model over one token (its nodes renamed), then the pick. */
function loopBody(nodes: NodeProto[], inits: Set<string>, sig: Signature, tokType: number): GraphProto {
  const B = 'body/';
  const rename = (x: string) => (x === '' || inits.has(x) ? x : B + x);
  const bodyNodes: NodeProto[] = nodes.map((n) => ({
    ...n,
    name: n.name ? B + n.name : undefined,
    input: (n.input ?? []).map(rename),
    output: (n.output ?? []).map(rename),
  }));
  bodyNodes.push(...pickNodes(B, rename(sig.logits), false, tokType));
  bodyNodes.push({ opType: 'Identity', name: `${B}scan_id`, input: [`${B}id64`], output: [`${B}scan_id`] });
  return {
    name: 'greedy_body',
    node: bodyNodes,
    input: [
      vi(`${B}iter`, DataType.INT64, []),
      vi(`${B}cond`, DataType.BOOL, []),
      vi(rename(sig.input), tokType, [1, 1]),
      ...sig.states.map((s) => stateVi(rename(s.input), s)),
    ],
    output: [
      vi(`${B}go`, DataType.BOOL, []),
      vi(`${B}tok`, tokType, [1, 1]),
      ...sig.states.map((s) => stateVi(rename(s.output), s)),
      vi(`${B}scan_id`, DataType.INT64, [1, 1]),
      vi(`${B}lp`, DataType.FLOAT, [1, 1]),
    ],
  };
}

/** Build the greedy-decoding model from a prepared char model (see prepareModel). Throws when it cannot. */
export function buildGreedyModel(bytes: Uint8Array, sig: Signature, opset: number): Uint8Array {
  const why = greedyUnsupported(sig, opset);
  if (why) throw new Error(`no greedy graph: ${why}`);
  const m: ModelProto = decodeModel(bytes);
  const g = m.graph!;
  const nodes = g.node ?? [];
  if (nodes.some((n) => (n.attribute ?? []).some((a) => a.type === AttrType.GRAPH || a.type === AttrType.GRAPHS))) {
    throw new Error('no greedy graph: the model already holds subgraphs');
  }
  const V = sig.outputs;
  const tokType = sig.inputType === 'int32' ? DataType.INT32 : DataType.INT64;
  const inits = new Set((g.initializer ?? []).map((t) => t.name ?? ''));
  const init = [
    ...(g.initializer ?? []),
    int64Tensor(`${P}flatV`, [2], [-1, V]),
    int64Tensor(`${P}rowV`, [2], [1, V]),
    int64Tensor(`${P}last`, [], [-1]),
    int64Tensor(`${P}k1`, [1], [1]),
    int64Tensor(`${P}scalar`, [0], []),
    { name: `${P}half`, dims: [], dataType: DataType.FLOAT, floatData: [0.5] },
  ];
  // the main graph: the model over the context, the first pick, then the loop
  const main: NodeProto[] = [...nodes, ...pickNodes(P, sig.logits, true, tokType)];
  main.push({
    opType: 'Loop',
    name: `${P}loop`,
    input: [GREEDY.steps, `${P}go`, `${P}tok`, ...sig.states.map((s) => s.output)],
    output: [`${P}last_tok`, ...sig.states.map((s) => `${P}end_${s.output}`), GREEDY.ids, GREEDY.lps],
    attribute: [{ name: 'body', type: AttrType.GRAPH, g: loopBody(nodes, inits, sig, tokType) }],
  });
  main.push({ opType: 'Identity', name: `${P}first`, input: [`${P}id64`], output: [GREEDY.first] });
  main.push({ opType: 'Identity', name: `${P}first_lp`, input: [`${P}lp`], output: [GREEDY.firstLp] });
  const byName = new Map((g.input ?? []).map((x) => [x.name, x]));
  const outByName = new Map((g.output ?? []).map((x) => [x.name, x]));
  const graph: GraphProto = {
    name: 'seqlab_greedy',
    node: main,
    initializer: init,
    input: [
      byName.get(sig.input) ?? vi(sig.input, tokType, ['T', 1]),
      ...sig.states.map((s) => byName.get(s.input) ?? stateVi(s.input, s)),
      vi(GREEDY.steps, DataType.INT64, []),
      vi(GREEDY.stop, DataType.FLOAT, [V]),
    ],
    output: [
      ...sig.states.map((s) => outByName.get(s.output) ?? stateVi(s.output, s)),
      vi(GREEDY.first, DataType.INT64, [1, 1]),
      vi(GREEDY.firstLp, DataType.FLOAT, [1, 1]),
      vi(GREEDY.ids, DataType.INT64, ['N', 1, 1]),
      vi(GREEDY.lps, DataType.FLOAT, ['N', 1, 1]),
    ],
  };
  return encodeModel({
    irVersion: m.irVersion,
    opsetImport: m.opsetImport,
    producerName: 'seqlab (greedy decoding graph)',
    producerVersion: m.producerVersion,
    graph,
  });
}
