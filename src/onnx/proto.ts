/**
 * The subset of the ONNX protobuf schema (onnx/onnx.proto3, IR version 8) that Sequence Lab writes and reads,
 * as a protobufjs JSON descriptor: no .proto file is read at runtime, so it bundles into one file.
 * Field numbers are ONNX's; unknown fields (training_info, functions, sparse tensors...) are skipped on decode.
 *
 * Plain objects in, plain objects out: int64 values are JS numbers (safe up to 2^53), bytes are Uint8Array.
 */
import protobuf from 'protobufjs/light';

/** TensorProto.DataType values used here. */
export const DataType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  BFLOAT16: 16,
} as const;
export const DATA_TYPE_NAME: Record<number, string> = Object.fromEntries(Object.entries(DataType).map(([k, v]) => [v, k.toLowerCase()]));

/** AttributeProto.AttributeType values. */
export const AttrType = {
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
} as const;

export interface StringStringEntryProto {
  key: string;
  value: string;
}
export interface OperatorSetIdProto {
  domain?: string;
  version: number;
}
export interface TensorProto {
  dims?: number[];
  dataType: number;
  name?: string;
  docString?: string;
  floatData?: number[];
  int32Data?: number[];
  int64Data?: number[];
  doubleData?: number[];
  rawData?: Uint8Array;
  dataLocation?: number;
  externalData?: StringStringEntryProto[];
}
export interface Dimension {
  dimValue?: number;
  dimParam?: string;
  denotation?: string;
}
export interface TensorShapeProto {
  dim?: Dimension[];
}
export interface TypeProto {
  tensorType?: { elemType: number; shape?: TensorShapeProto };
  denotation?: string;
}
export interface ValueInfoProto {
  name: string;
  type?: TypeProto;
  docString?: string;
}
export interface AttributeProto {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  g?: GraphProto;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
  tensors?: TensorProto[];
  graphs?: GraphProto[];
  refAttrName?: string;
  docString?: string;
}
export interface NodeProto {
  input?: string[];
  output?: string[];
  name?: string;
  opType: string;
  domain?: string;
  attribute?: AttributeProto[];
  docString?: string;
}
export interface GraphProto {
  node?: NodeProto[];
  name?: string;
  initializer?: TensorProto[];
  docString?: string;
  input?: ValueInfoProto[];
  output?: ValueInfoProto[];
  valueInfo?: ValueInfoProto[];
}
export interface ModelProto {
  irVersion: number;
  opsetImport?: OperatorSetIdProto[];
  producerName?: string;
  producerVersion?: string;
  domain?: string;
  modelVersion?: number;
  docString?: string;
  graph?: GraphProto;
  metadataProps?: StringStringEntryProto[];
}

const f = (id: number, type: string, rule?: 'repeated') => (rule ? { id, type, rule } : { id, type });

const DESCRIPTOR = {
  nested: {
    onnx: {
      nested: {
        StringStringEntryProto: { fields: { key: f(1, 'string'), value: f(2, 'string') } },
        OperatorSetIdProto: { fields: { domain: f(1, 'string'), version: f(2, 'int64') } },
        TensorProto: {
          fields: {
            dims: f(1, 'int64', 'repeated'),
            dataType: f(2, 'int32'),
            floatData: f(4, 'float', 'repeated'),
            int32Data: f(5, 'int32', 'repeated'),
            stringData: f(6, 'bytes', 'repeated'),
            int64Data: f(7, 'int64', 'repeated'),
            name: f(8, 'string'),
            rawData: f(9, 'bytes'),
            doubleData: f(10, 'double', 'repeated'),
            uint64Data: f(11, 'uint64', 'repeated'),
            docString: f(12, 'string'),
            externalData: f(13, 'StringStringEntryProto', 'repeated'),
            dataLocation: f(14, 'int32'),
          },
        },
        TensorShapeProto: {
          fields: { dim: f(1, 'Dimension', 'repeated') },
          nested: {
            Dimension: {
              oneofs: { value: { oneof: ['dimValue', 'dimParam'] } },
              fields: { dimValue: f(1, 'int64'), dimParam: f(2, 'string'), denotation: f(3, 'string') },
            },
          },
        },
        TypeProto: {
          oneofs: { value: { oneof: ['tensorType'] } },
          fields: { tensorType: f(1, 'Tensor'), denotation: f(6, 'string') },
          nested: { Tensor: { fields: { elemType: f(1, 'int32'), shape: f(2, 'TensorShapeProto') } } },
        },
        ValueInfoProto: { fields: { name: f(1, 'string'), type: f(2, 'TypeProto'), docString: f(3, 'string') } },
        AttributeProto: {
          fields: {
            name: f(1, 'string'),
            f: f(2, 'float'),
            i: f(3, 'int64'),
            s: f(4, 'bytes'),
            t: f(5, 'TensorProto'),
            g: f(6, 'GraphProto'),
            floats: f(7, 'float', 'repeated'),
            ints: f(8, 'int64', 'repeated'),
            strings: f(9, 'bytes', 'repeated'),
            tensors: f(10, 'TensorProto', 'repeated'),
            graphs: f(11, 'GraphProto', 'repeated'),
            docString: f(13, 'string'),
            type: f(20, 'int32'),
            refAttrName: f(21, 'string'),
          },
        },
        NodeProto: {
          fields: {
            input: f(1, 'string', 'repeated'),
            output: f(2, 'string', 'repeated'),
            name: f(3, 'string'),
            opType: f(4, 'string'),
            attribute: f(5, 'AttributeProto', 'repeated'),
            docString: f(6, 'string'),
            domain: f(7, 'string'),
          },
        },
        GraphProto: {
          fields: {
            node: f(1, 'NodeProto', 'repeated'),
            name: f(2, 'string'),
            initializer: f(5, 'TensorProto', 'repeated'),
            docString: f(10, 'string'),
            input: f(11, 'ValueInfoProto', 'repeated'),
            output: f(12, 'ValueInfoProto', 'repeated'),
            valueInfo: f(13, 'ValueInfoProto', 'repeated'),
          },
        },
        ModelProto: {
          fields: {
            irVersion: f(1, 'int64'),
            producerName: f(2, 'string'),
            producerVersion: f(3, 'string'),
            domain: f(4, 'string'),
            modelVersion: f(5, 'int64'),
            docString: f(6, 'string'),
            graph: f(7, 'GraphProto'),
            opsetImport: f(8, 'OperatorSetIdProto', 'repeated'),
            metadataProps: f(14, 'StringStringEntryProto', 'repeated'),
          },
        },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(DESCRIPTOR);
const ModelType = root.lookupType('onnx.ModelProto');

export function encodeModel(model: ModelProto): Uint8Array {
  const err = ModelType.verify(model);
  if (err) throw new Error(`internal error: invalid ONNX model object: ${err}`);
  return ModelType.encode(ModelType.fromObject(model)).finish();
}

/**
 * Encode a partial ModelProto. Protobuf merges concatenated messages (repeated fields append, embedded messages
 * merge), so `concat(original, encodePatch({ graph: { output: [...] } }))` adds graph outputs while keeping every
 * field of the original, including ones this schema subset does not know.
 */
export function encodePatch(patch: Partial<ModelProto>): Uint8Array {
  return ModelType.encode(ModelType.fromObject(patch)).finish();
}

/**
 * Decode ONNX bytes. Throws a readable Error for bytes that are not a protobuf ModelProto (truncated, corrupt,
 * or another file type); the caller adds the file name.
 */
export function decodeModel(bytes: Uint8Array): ModelProto {
  if (bytes.length === 0) throw new Error('the file is empty');
  let msg: protobuf.Message;
  try {
    msg = ModelType.decode(bytes);
  } catch (e) {
    const why = (e as Error).message;
    throw new Error(
      /index out of range|invalid wire type|illegal/i.test(why)
        ? `not a valid ONNX model: the file is truncated, corrupt or of another type (${why})`
        : `not a valid ONNX model (${why})`,
    );
  }
  const m = ModelType.toObject(msg, { longs: Number, defaults: false, arrays: true }) as ModelProto;
  if (!m.graph || !m.irVersion) {
    throw new Error('not an ONNX model: no graph or IR version found (is this really an .onnx file?)');
  }
  return m;
}

/** metadata_props as a plain record. */
export function metadataOf(m: ModelProto): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of m.metadataProps ?? []) out[p.key] = p.value;
  return out;
}

/** A tensor's values as float32 (FLOAT tensors, raw or float_data). */
export function tensorFloats(t: TensorProto): Float32Array {
  if (t.dataType !== DataType.FLOAT) throw new Error(`tensor ${t.name ?? ''} is ${DATA_TYPE_NAME[t.dataType] ?? t.dataType}, not float`);
  if (t.rawData && t.rawData.length) {
    const raw = t.rawData;
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const out = new Float32Array(raw.byteLength / 4);
    for (let i = 0; i < out.length; i++) out[i] = dv.getFloat32(i * 4, true);
    return out;
  }
  return Float32Array.from(t.floatData ?? []);
}

/** A FLOAT tensor with little-endian raw_data. */
export function floatTensor(name: string, dims: number[], data: ArrayLike<number>): TensorProto {
  const n = dims.reduce((a, b) => a * b, 1);
  if (data.length !== n) throw new Error(`internal error: tensor ${name} has ${data.length} values for dims [${dims}]`);
  const raw = new Uint8Array(n * 4);
  const dv = new DataView(raw.buffer);
  for (let i = 0; i < n; i++) dv.setFloat32(i * 4, data[i]!, true);
  return { name, dims, dataType: DataType.FLOAT, rawData: raw };
}

/** An INT64 tensor (small: stored in int64_data). */
export function int64Tensor(name: string, dims: number[], data: number[]): TensorProto {
  return { name, dims, dataType: DataType.INT64, int64Data: data };
}
