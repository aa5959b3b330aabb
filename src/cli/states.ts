/**
 * `seqlab states <model> <file> --out states.npy|.csv [--layer L] [--signal s]`: one layer's signal over a text, for
 * numpy or pandas. Rows are positions (one per character), columns are units.
 *   .npy  float32 (T,H), little-endian, NumPy format 1.0; the characters beside it as <out>.chars.json (a JSON list)
 *   .csv  position, char (with JSON's escapes: a newline is \n), then u0 … u(H-1)
 * The states come from the same reader as the hidden-state panel (onnxruntime, or the engine where it cannot load).
 */
import { type Command, Option } from 'commander';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { writeFileAtomic } from '../data/atomic';
import { decodeTextBytes } from '../data/decode';
import { signalsFor } from '../protocol/infer';
import type { Signal } from '../protocol/webview';
import { hiddenModel, maxStepsFor, readHidden } from '../worker/hiddenStates';
import { int, modelDir, UsageError, UserError } from './common';

const USAGE = 'seqlab states <model> <file> --out states.npy|states.csv [--layer L] [--signal h|c|i|f|o|z|r]';

interface StatesOptions {
  out: string;
  layer: number;
  signal: Signal;
  maxChars?: number;
}

/** NumPy's .npy format 1.0 for a float32 (rows, cols) array: magic, version, header length, a padded dict header. */
export function npyBytes(data: Float32Array, rows: number, cols: number): Uint8Array {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0); // \x93NUMPY, version 1.0
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  const body = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (new Uint8Array(Uint16Array.of(1).buffer)[0] === 1) out.set(body, 10 + header.length);
  else for (let i = 0; i < data.length; i++) new DataView(out.buffer).setFloat32(10 + header.length + 4 * i, data[i]!, true);
  return out;
}

async function states(model: string, file: string, o: StatesOptions): Promise<void> {
  const dir = modelDir(model);
  const kind = extname(o.out).toLowerCase();
  if (kind !== '.npy' && kind !== '.csv') throw new UsageError(`--out must end in .npy or .csv, not "${o.out}"`, USAGE);
  if (!existsSync(file) || statSync(file).isDirectory()) throw new UserError(`no such file: ${file}`);
  const { model: m, vocab } = hiddenModel(dir);
  const c = m.config;
  if (o.layer > c.layers) throw new UsageError(`the model has ${c.layers} layer(s); --layer ${o.layer} does not exist`, USAGE);
  if (!signalsFor(c.cell).includes(o.signal))
    throw new UsageError(`this ${c.cell.toUpperCase()} has the signals ${signalsFor(c.cell).join(', ')}, not ${o.signal}`, USAGE);
  const chars = Array.from(decodeTextBytes(readFileSync(file), file));
  const limit = Math.min(o.maxChars ?? Infinity, maxStepsFor(c.hidden, c.layers, c.cell));
  const used = chars.slice(0, limit);
  const t0 = performance.now();
  const store = await readHidden(m, vocab.encode(used.join('')));
  const data = store.signal(o.layer - 1, o.signal)!;
  const H = c.hidden;
  const out = resolve(o.out);
  if (kind === '.npy') {
    writeFileAtomic(out, npyBytes(data, used.length, H));
    writeFileAtomic(out.replace(/\.npy$/i, '.chars.json'), JSON.stringify(used));
  } else {
    const lines = [['position', 'char', ...Array.from({ length: H }, (_, u) => `u${u}`)].join(',')];
    for (let t = 0; t < used.length; t++) {
      const row = Array.from(data.subarray(t * H, (t + 1) * H), (v) => String(Number(v.toPrecision(7))));
      // the character with JSON's escapes (a newline is \n), quoted for CSV
      const ch = `"${JSON.stringify(used[t]!).slice(1, -1).replace(/"/g, '""')}"`;
      lines.push([String(t), ch, ...row].join(','));
    }
    writeFileAtomic(out, lines.join('\n') + '\n');
  }
  const more = chars.length > used.length ? ` (the first ${used.length.toLocaleString('en-US')} of ${chars.length.toLocaleString('en-US')})` : '';
  const ms = Math.round(performance.now() - t0);
  process.stdout.write(
    `wrote ${o.out}: ${o.signal} of layer ${o.layer}, ${used.length.toLocaleString('en-US')} positions${more} × ${H} units, read in ${ms} ms\n`,
  );
}

export function addStatesCommand(p: Command): void {
  p.command('states')
    .description("write one layer's hidden states (or gates) over a text as .npy or .csv, positions × units, for numpy or pandas")
    .argument('<model>', 'model folder')
    .argument('<file>', 'text file')
    .requiredOption('--out <file>', 'states.npy (with states.chars.json beside it) or states.csv')
    .option('--layer <n>', 'layer, from 1', int('--layer', 1), 1)
    .addOption(
      new Option('--signal <s>', 'h (hidden), c (cell), i f o (LSTM gates), z r (GRU gates)').choices(['h', 'c', 'i', 'f', 'o', 'z', 'r']).default('h'),
    )
    .option('--max-chars <n>', 'read at most this many characters', int('--max-chars', 1))
    .action((model: string, file: string, o: StatesOptions) => states(model, file, o));
}
