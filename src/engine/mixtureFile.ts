/**
 * mixture.bin: autocomplete's mixture of experts, saved in the model folder at the end of training so completion
 * needs nothing else (README, "The model folder"). Little-endian; integers after the header are LEB128 varints.
 *
 *   "SQMX"  u32 version (1)  u32 V  u32 order  f64 discount
 *   u32 G, f64 θ[G]             the gate (engine/mixture.ts)
 *   f64 gate, fixed, lstm, ngram bits/char and f64 characters   what it scored on the training text's tail
 *   for k = 0 … order−1:  varint contexts; each: k varint ids, varint entries, then (varint id, varint count)·entries
 *   u32 CRC-32 of every byte before it
 *
 * The n-gram's totals are not stored: they are the sums and the number of entries of each context.
 */
import { crc32 } from './crc32';
import type { Gate } from './mixture';
import { CharNgram } from './ngram';

const MAGIC = 0x584d5153; // "SQMX"
const VERSION = 1;

export interface MixtureScores {
  gate: number;
  fixed: number;
  lstm: number;
  ngram: number;
  chars: number;
}

export interface SavedMixture {
  ngram: CharNgram;
  gate: Gate;
  validation: MixtureScores;
}

class Writer {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  n = 0;
  private room(k: number): void {
    if (this.n + k <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.n + k));
    next.set(this.buf.subarray(0, this.n));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u32(v: number): void {
    this.room(4);
    this.view.setUint32(this.n, v, true);
    this.n += 4;
  }
  f64(v: number): void {
    this.room(8);
    this.view.setFloat64(this.n, v, true);
    this.n += 8;
  }
  varint(v: number): void {
    this.room(10);
    while (v >= 0x80) {
      this.buf[this.n++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.n++] = v;
  }
  bytes(): Uint8Array {
    return this.buf.slice(0, this.n);
  }
}

export function encodeMixture(m: SavedMixture): Uint8Array {
  const w = new Writer();
  const { ngram, gate, validation: v } = m;
  w.u32(MAGIC);
  w.u32(VERSION);
  w.u32(ngram.V);
  w.u32(ngram.order);
  w.f64(ngram.discount);
  w.u32(gate.theta.length);
  for (const x of gate.theta) w.f64(x);
  for (const x of [v.gate, v.fixed, v.lstm, v.ngram, v.chars]) w.f64(x);
  for (let k = 0; k < ngram.order; k++) {
    const all = [...ngram.contexts(k)];
    w.varint(all.length);
    for (const [ctx, next] of all) {
      for (const id of ctx) w.varint(id);
      w.varint(next.size);
      for (const [id, n] of next) {
        w.varint(id);
        w.varint(n);
      }
    }
  }
  w.u32(crc32(w.bytes()));
  return w.bytes();
}

/**
 * Read mixture.bin; throws an Error that says what is wrong (bad magic, version, checksum, truncation). `pause` is
 * awaited every 50,000 n-gram entries (a caller on the extension host yields there).
 */
export async function decodeMixture(bytes: Uint8Array, pause: () => Promise<void> = async () => {}): Promise<SavedMixture> {
  if (bytes.length < 24) throw new Error('mixture.bin is truncated');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw new Error('mixture.bin is not a Sequence Lab mixture file');
  const version = view.getUint32(4, true);
  if (version !== VERSION) throw new Error(`mixture.bin has version ${version}; this version reads ${VERSION}`);
  const body = bytes.length - 4;
  if (crc32(bytes.subarray(0, body)) !== view.getUint32(body, true)) throw new Error('mixture.bin is damaged (its checksum does not match)');
  let at = 8;
  const need = (k: number) => {
    if (at + k > body) throw new Error('mixture.bin is truncated');
  };
  const u32 = () => (need(4), (at += 4), view.getUint32(at - 4, true));
  const f64 = () => (need(8), (at += 8), view.getFloat64(at - 8, true));
  const varint = () => {
    let v = 0,
      mul = 1;
    for (;;) {
      need(1);
      const b = bytes[at++]!;
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 0x80;
    }
  };
  const V = u32(),
    order = u32(),
    discount = f64();
  if (order < 1 || order > 16 || V < 1) throw new Error('mixture.bin has an impossible n-gram order or vocabulary size');
  const G = u32();
  if (G > 64) throw new Error('mixture.bin has an impossible gate');
  const theta = Array.from({ length: G }, f64);
  const [gate, fixed, lstm, ngramBits, chars] = Array.from({ length: 5 }, f64) as [number, number, number, number, number];
  const ngram = new CharNgram(V, order, discount);
  let seen = 0;
  for (let k = 0; k < order; k++) {
    const contexts = varint();
    for (let c = 0; c < contexts; c++) {
      const ctx = Array.from({ length: k }, varint);
      const entries = varint();
      for (let e = 0; e < entries; e++) {
        const id = varint(),
          n = varint();
        if (id >= V || ctx.some((x) => x >= V)) throw new Error('mixture.bin has an id outside its vocabulary');
        ngram.addCount(ctx, id, n);
        if (++seen % 50_000 === 0) await pause();
      }
    }
  }
  if (at !== body) throw new Error('mixture.bin has bytes after its n-gram');
  return { ngram, gate: { theta }, validation: { gate, fixed, lstm, ngram: ngramBits, chars } };
}
