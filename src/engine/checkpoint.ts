/**
 * Training checkpoint bytes (pure; the worker writes them atomically: temp file, then rename).
 *
 *   "SEQLABCK" (8 bytes) | u32 version | u32 header length | header JSON (UTF-8) | pad to 4 | float32 sections | u32 CRC-32
 *
 * The CRC-32 (version 2; version 1 files have none) covers every byte before it, so a truncated or damaged file is
 * refused instead of resuming from wrong weights.
 * The header lists the sections (name, length) in file order: params, optimizer state, best params,
 * and the carried hidden state h{l}, c{l}. Everything needed to resume exactly is here.
 */
import { type ModelConfig, validateConfig } from './config';
import type { TrainOptions } from './options';
import { crc32 } from './crc32';
import { paramLayout } from './params';
import type { TrainerSnapshot } from './train';

const MAGIC = 'SEQLABCK';
const VERSION = 2;

export interface Checkpoint {
  config: ModelConfig;
  options: TrainOptions;
  /** vocabulary as code points (char models) */
  vocab: number[] | null;
  trainer: TrainerSnapshot;
  /** free-form data the writer wants back (data files, normalization stats, …) */
  meta: Record<string, unknown>;
  params: Float32Array;
  optimizer: Float32Array;
  bestParams: Float32Array;
  /** carried hidden state per layer, (B,H) each */
  h: Float32Array[];
  c: Float32Array[];
}

export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

export function encodeCheckpoint(ck: Checkpoint): Uint8Array {
  const sections: [string, Float32Array][] = [
    ['params', ck.params],
    ['optimizer', ck.optimizer],
    ['bestParams', ck.bestParams],
    ...ck.h.map((a, l): [string, Float32Array] => [`h${l}`, a]),
    ...ck.c.map((a, l): [string, Float32Array] => [`c${l}`, a]),
  ];
  const header = {
    config: ck.config,
    options: ck.options,
    vocab: ck.vocab,
    trainer: ck.trainer,
    meta: ck.meta,
    sections: sections.map(([name, a]) => ({ name, length: a.length })),
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headLen = 16 + json.length;
  const pad = (4 - (headLen % 4)) % 4;
  const floats = sections.reduce((s, [, a]) => s + a.length, 0);
  const out = new Uint8Array(headLen + pad + floats * 4 + 4);
  for (let i = 0; i < 8; i++) out[i] = MAGIC.charCodeAt(i);
  const dv = new DataView(out.buffer);
  dv.setUint32(8, VERSION, true);
  dv.setUint32(12, json.length, true);
  out.set(json, 16);
  const f = new Float32Array(out.buffer, headLen + pad, floats);
  let o = 0;
  for (const [, a] of sections) {
    f.set(a, o);
    o += a.length;
  }
  dv.setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}

export function decodeCheckpoint(bytes: Uint8Array): Checkpoint {
  const fail = (m: string): never => {
    throw new CheckpointError(`Not a valid Sequence Lab checkpoint: ${m}`);
  };
  if (bytes.length < 16) fail(`the file is only ${bytes.length} bytes`);
  for (let i = 0; i < 8; i++) if (bytes[i] !== MAGIC.charCodeAt(i)) fail('wrong file signature');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(8, true);
  if (version !== 1 && version !== VERSION) fail(`format version ${version} is not supported (this build reads 1 and ${VERSION})`);
  const tail = version >= 2 ? 4 : 0; // the CRC-32
  if (tail && bytes.length >= 20 && dv.getUint32(bytes.length - 4, true) !== crc32(bytes.subarray(0, bytes.length - 4))) {
    fail('its checksum does not match (the file is truncated or damaged)');
  }
  const jl = dv.getUint32(12, true);
  if (16 + jl > bytes.length) fail('the header is truncated');
  let header: {
    config: ModelConfig;
    options: TrainOptions;
    vocab: number[] | null;
    trainer: TrainerSnapshot;
    meta: Record<string, unknown>;
    sections: { name: string; length: number }[];
  };
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(16, 16 + jl)));
  } catch {
    return fail('the header is corrupt');
  }
  if (
    typeof header !== 'object' ||
    header === null ||
    !Array.isArray(header.sections) ||
    typeof header.trainer !== 'object' ||
    typeof header.options !== 'object' ||
    header.sections.some((x) => typeof x?.name !== 'string' || !Number.isInteger(x.length) || x.length < 0)
  )
    fail('the header is incomplete');
  try {
    validateConfig(header.config);
  } catch (e) {
    fail((e as Error).message);
  }
  const headLen = 16 + jl,
    pad = (4 - (headLen % 4)) % 4;
  const floats = header.sections.reduce((s, x) => s + x.length, 0);
  if (headLen + pad + floats * 4 + tail !== bytes.length)
    fail(`expected ${headLen + pad + floats * 4 + tail} bytes, found ${bytes.length} (truncated or damaged)`);
  // copy into a fresh, aligned buffer (a Node Buffer's .buffer may be a shared pool)
  const body = new Uint8Array(floats * 4);
  body.set(bytes.subarray(headLen + pad, bytes.length - tail));
  const all = new Float32Array(body.buffer);
  const got: Record<string, Float32Array> = {};
  let o = 0;
  for (const s of header.sections) {
    got[s.name] = all.subarray(o, o + s.length);
    o += s.length;
  }
  const total = paramLayout(header.config).total;
  for (const n of ['params', 'bestParams']) if (got[n]?.length !== total) fail(`${n} has ${got[n]?.length ?? 0} values, the config needs ${total}`);
  const L = header.config.layers;
  return {
    config: header.config,
    options: header.options,
    vocab: header.vocab,
    trainer: header.trainer,
    meta: header.meta ?? {},
    params: got.params,
    optimizer: got.optimizer ?? new Float32Array(0),
    bestParams: got.bestParams,
    h: Array.from({ length: L }, (_, l) => got[`h${l}`] ?? new Float32Array(0)),
    c: Array.from({ length: L }, (_, l) => got[`c${l}`] ?? new Float32Array(0)),
  };
}
