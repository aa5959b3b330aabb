/**
 * Model-folder operations over ONNX, for the CLI (`seqlab export | import | sample`) and the extension host:
 *   exportModelFolder  checkpoint → a verified standalone ONNX file anywhere (the folder itself is never changed)
 *   importOnnxFile     a foreign ONNX char model (+ vocabulary file) → a new model folder (origin 'imported')
 *   sampleModelFolder  text from model.onnx through onnxruntime-node (or the TS engine)
 * Every write is atomic. Errors are plain-language Errors (ModelLoadError, ModelImportError, ExportParityError).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { ModelConfig } from '../engine/config';
import { writeFileAtomic } from '../data/atomic';
import { readCard, writeCard } from '../data/card';
import { readCheckpoint } from '../data/modelFolder';
import { Vocab } from '../data/vocab';
import type { TrainOptions } from '../engine/options';
import { CARD_FILE, CHECKPOINT_FILE, type ModelCard, ONNX_FILE, REMOTE_LOG_FILE } from '../protocol/model';
import { engineWeightsOf, freshCheckpoint, NotConvertibleError } from './toEngine';
import { type SampleResult, type SampleRunOptions, sampleText } from './decode';
import { type EngineChoice, openInference } from './fallback';
import { CRC_KEY, IMPORTED_KEY, withChecksum } from './checksum';
import { META } from './export';
import { EXPECTED_SIGNATURE, ModelImportError, type ModelInfo, prepareModel, vocabFromFile } from './import';
import { decodeModel, encodePatch, metadataOf } from './proto';
import { importForecaster, scriptForecaster } from './importForecast';
import { ModelLoadError } from './errors';
import { OnnxModel } from './runtime';
import { type ParityReport, exportVerified } from './verify';

/**
 * Export a trained model folder's best weights (parity-checked against onnxruntime) to `out`, a file, or a folder
 * that gets `<name>.onnx`. Only `out` is written: the model folder is never changed. The folder's own model.onnx
 * lends its metadata (a forecaster's settings and intervals, the card), so the exported file predicts like it.
 */
export async function exportModelFolder(dir: string, opts: { out: string }): Promise<{ out: string; bytes: number; parity: ParityReport }> {
  const card = readCard(dir);
  if (card.origin === 'imported') throw new ModelLoadError(`"${card.name}" was imported: its model.onnx is the export (copy ${join(dir, ONNX_FILE)})`);
  const ck = readCheckpoint(dir);
  const own = join(dir, ONNX_FILE);
  let norm = (ck.meta?.norm as object | undefined) ?? undefined;
  let ownCard: Record<string, unknown> | undefined;
  if (existsSync(own)) {
    // a damaged model.onnx is refused (a forecaster's settings live there), never skipped
    const { info } = prepareModel(readFileSync(own), { name: own });
    norm = info.norm ?? norm;
    ownCard = info.card;
  }
  const forecast = ck.meta?.forecast as { spec?: object } | undefined;
  if (!norm && forecast?.spec) norm = { ...forecast.spec, kind: 'forecast', intervals: null };
  const { bytes, parity } = await exportVerified(ck.config, ck.bestParams, {
    vocab: ck.vocab ?? undefined,
    card: {
      ...ownCard,
      name: card.name,
      steps: card.steps,
      bestValLoss: card.bestValLoss,
      bestValBpc: card.bestValBpc,
      data: card.data,
      trainSeconds: card.trainSeconds,
    },
    norm,
  });
  let out = resolve(opts.out);
  if (existsSync(out) && statSync(out).isDirectory()) out = join(out, `${card.name}.onnx`);
  if (resolve(out) === resolve(own)) throw new ModelLoadError(`${out} is the model folder's own file; export to another path`);
  writeFileAtomic(out, bytes);
  return { out, bytes: bytes.length, parity };
}

function readVocabFile(file: string): number[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ModelImportError(
      `Cannot read the vocabulary file ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (e as Error).message}`,
    );
  }
  return vocabFromFile(text, basename(file));
}

/**
 * Import a foreign ONNX character model into `<modelsDir>/<name>/`: checks its interface, loads it in onnxruntime
 * and runs one short sequence, then writes model.onnx (with the vocabulary added as seqlab.vocab metadata), card.json,
 * and, when the graph is a plain Embedding → RNN → Linear stack, checkpoint.bin (so it can be trained further).
 */
export async function importOnnxFile(file: string, opts: { modelsDir: string; name?: string; vocabFile?: string; now?: () => Date }): Promise<ImportResult> {
  const bytes = readModelFile(file);
  const forecaster = scriptForecasterOf(bytes);
  if (forecaster) return importForecastFolder(file, bytes, forecaster, opts);
  const vocab = opts.vocabFile ? readVocabFile(opts.vocabFile) : undefined;
  const { info } = prepareModel(bytes, { vocab, name: basename(file) });
  if (info.signature.kind !== 'char' || !info.vocab) throw new ModelImportError('only character models can be imported');
  const { name, dir } = importTarget(file, opts);
  // the stored file carries its vocabulary, so the folder is self-contained, and a checksum (a file that has one keeps it)
  const add = [
    { key: IMPORTED_KEY, value: '1' },
    ...(info.metadata[META.vocab] !== undefined || info.ours ? [] : [{ key: META.vocab, value: JSON.stringify(info.vocab) }]),
  ];
  const stored = info.metadata[CRC_KEY] !== undefined ? bytes : withChecksum(concat(bytes, encodePatch({ metadataProps: add })));
  await proveItRuns(stored, info, basename(file));
  const recipe = metaJson<{ name?: string; options?: Partial<TrainOptions> }>(info, 'seqlab.recipe');
  // a plain Embedding → RNN → Linear stack becomes an engine checkpoint, so Continue Training can train it further
  let checkpoint: Uint8Array | null = null;
  let notTrainable: string | null = null;
  if (!info.ours) {
    try {
      const w = engineWeightsOf(bytes, info.vocab.length);
      checkpoint = freshCheckpoint(w.config, w.params, info.vocab, recipe?.options ?? {}, { name, importedFrom: resolve(file) });
    } catch (e) {
      if (!(e instanceof NotConvertibleError)) throw e;
      notTrainable = e.message;
    }
  }
  const now = (opts.now ?? (() => new Date()))().toISOString();
  const card = importedCard(info, { name, file, bytes: bytes.length, now, vocabFile: opts.vocabFile, notTrainable });
  writeFileAtomic(join(dir, ONNX_FILE), stored);
  if (checkpoint) writeFileAtomic(join(dir, CHECKPOINT_FILE), checkpoint);
  // the training log of a remote run (train.log.jsonl beside the file) comes along, for its curves
  const remoteLog = join(dirname(resolve(file)), REMOTE_LOG_FILE);
  if (existsSync(remoteLog)) writeFileAtomic(join(dir, REMOTE_LOG_FILE), readFileSync(remoteLog));
  writeCard(dir, card);
  return { dir, card, info, trainable: checkpoint !== null, notTrainable };
}

type ImportResult = { dir: string; card: ModelCard; info: ModelInfo | null; trainable: boolean; notTrainable: string | null };

/** The metadata of a forecaster our PyTorch script wrote, or null (any other file, or one that does not decode). */
function scriptForecasterOf(bytes: Uint8Array): ReturnType<typeof scriptForecaster> {
  let meta: Record<string, string>;
  try {
    meta = metadataOf(decodeModel(bytes));
  } catch {
    return null; // prepareModel says what is wrong with it
  }
  return scriptForecaster(meta);
}

async function importForecastFolder(
  file: string,
  bytes: Uint8Array,
  m: NonNullable<ReturnType<typeof scriptForecaster>>,
  opts: { modelsDir: string; name?: string; now?: () => Date },
): Promise<ImportResult> {
  const { name, dir } = importTarget(file, opts);
  const now = (opts.now ?? (() => new Date()))().toISOString();
  const { card } = await importForecaster(file, bytes, m, { dir, name, now });
  return { dir, card, info: null, trainable: true, notTrainable: null };
}

/** The new folder's name and path; refused when the name is unusable or taken. */
function importTarget(file: string, opts: { modelsDir: string; name?: string }): { name: string; dir: string } {
  const name = opts.name ?? basename(file, extname(file));
  if (!/^[\w.-]+$/.test(name) || name.startsWith('.')) throw new ModelImportError(`"${name}" is not a usable model name (letters, digits, . _ - only)`);
  const dir = join(opts.modelsDir, name);
  if (existsSync(join(dir, CARD_FILE)) || existsSync(join(dir, ONNX_FILE)))
    throw new ModelImportError(`a model named "${name}" already exists in ${opts.modelsDir}`);
  return { name, dir };
}

function readModelFile(file: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new ModelLoadError((e as NodeJS.ErrnoException).code === 'ENOENT' ? `Model file not found: ${file}` : `Cannot read ${file}: ${(e as Error).message}`);
  }
}

/** Run the file before writing anything: two streams of three steps (T != B, so a misread layout fails here). */
async function proveItRuns(stored: Uint8Array, info: ModelInfo, label: string): Promise<void> {
  const V = info.vocab?.length ?? info.signature.outputs;
  const m = await OnnxModel.load(stored, { name: label });
  try {
    const T = info.signature.fixedT ?? 3,
      B = info.signature.fixedB ?? 2;
    await m.run(
      Array.from({ length: T * B }, (_, i) => i % V),
      T,
      B,
    );
  } catch (e) {
    throw new ModelImportError(`${label} loads but does not run as a character model: ${(e as Error).message}. ${EXPECTED_SIGNATURE}`);
  } finally {
    await m.dispose();
  }
}

/** A JSON value in the file's metadata_props (what our PyTorch script writes beside the weights), or undefined. */
function metaJson<T>(info: ModelInfo, key: string): T | undefined {
  try {
    return info.metadata[key] ? (JSON.parse(info.metadata[key]) as T) : undefined;
  } catch {
    return undefined;
  }
}

/** The card of an imported model: its shape, and the recipe and training summary when our PyTorch script made it. */
function importedCard(
  info: ModelInfo,
  o: { name: string; file: string; bytes: number; now: string; vocabFile?: string; notTrainable: string | null },
): ModelCard {
  const V = info.vocab!.length;
  const shape = info.shape;
  const config: ModelConfig = info.config ?? {
    kind: 'char',
    cell: shape?.cell ?? 'lstm',
    layers: shape?.layers ?? 0,
    hidden: shape?.hidden ?? 0,
    vocab: V,
    emb: shape?.emb ?? 0,
    features: 0,
    outputs: V,
    dropout: 0,
  };
  const recipe = metaJson<{ name?: string; options?: Partial<TrainOptions> }>(info, 'seqlab.recipe');
  const summary = metaJson<{ steps?: number; best_val_loss?: number | null; train_seconds?: number; data?: string[] }>(info, 'seqlab.summary');
  const best = typeof summary?.best_val_loss === 'number' ? summary.best_val_loss : null;
  const from = resolve(o.file);
  return {
    ...{ format: 2, name: o.name, origin: 'imported', status: 'complete', config, params: shape?.params ?? 0, vocabSize: V },
    data: { files: summary?.data ?? [from], chars: 0, bytes: o.bytes },
    ...{ steps: summary?.steps ?? 0, bestValLoss: best, bestValBpc: best === null ? null : best / Math.LN2, trainSeconds: summary?.train_seconds ?? 0 },
    ...{ createdAt: o.now, updatedAt: o.now },
    options: {
      ...(recipe?.options ?? {}),
      ...{ importedFrom: from, producer: info.producer, opset: info.opset, vocabFile: o.vocabFile ? resolve(o.vocabFile) : null },
      ...(o.notTrainable ? { notTrainable: o.notTrainable } : {}),
    },
  };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

export interface SampleFolderOptions extends SampleRunOptions {
  prime?: string;
  engine?: EngineChoice;
  warn?: (m: string) => void;
}

/**
 * Generate text from a model folder's model.onnx. Priming is one call; then one step per character.
 * With no prime the model starts from token 0, as the TS engine's `generate` does, so both engines agree.
 */
export async function sampleModelFolder(dir: string, o: SampleFolderOptions): Promise<SampleResult & { engine: EngineChoice }> {
  const file = join(dir, ONNX_FILE);
  if (!existsSync(file)) throw new ModelLoadError(`${dir} has no ${ONNX_FILE} (is it a model folder? a run that never finished a step has none yet)`);
  const h = await openInference(readFileSync(file), { engine: o.engine, name: file, warn: o.warn });
  try {
    if (!h.info.vocab) throw new ModelLoadError(`${file} has no vocabulary; it cannot generate text`);
    const vocab = Vocab.fromJSON(h.info.vocab);
    const s = h.stepper();
    const ids = o.prime ? Array.from(vocab.encode(o.prime)) : [0];
    const first = await s.prime(ids.length ? ids : [0]);
    return { ...(await sampleText(s, first, vocab, o)), engine: h.engine };
  } finally {
    await h.dispose();
  }
}

export interface HiddenStates {
  /** the characters read (unknown ones mapped to the vocabulary's fallback) */
  chars: string[];
  ids: number[];
  /** per layer: hidden size and the values (T,H), row t after reading chars[t] */
  layers: { hidden: number; values: Float32Array }[];
  /** per position t: −ln p(chars[t] | chars[<t]) in nats; NaN at t = 0 */
  surprisal: Float32Array;
}

/** Hidden-state heatmap data: run a text through the model once (onnxruntime), keeping every layer's Y. */
export async function hiddenStatesForText(model: OnnxModel, text: string, opts: { maxChars?: number } = {}): Promise<HiddenStates> {
  if (!model.info.vocab) throw new ModelLoadError('the model has no vocabulary; it cannot read text');
  if (model.signature.Y.length === 0) throw new ModelLoadError('the model exposes no recurrent layer outputs (no LSTM/GRU/RNN node found)');
  const vocab = Vocab.fromJSON(model.info.vocab);
  const chars = Array.from(text).slice(0, opts.maxChars ?? 4096);
  if (chars.length === 0) throw new ModelLoadError('there is no text to read');
  const ids = Array.from(vocab.encode(chars.join('')));
  const T = ids.length,
    V = model.vocabSize;
  const r = await model.run(ids, T, 1, undefined, { Y: true });
  const surprisal = new Float32Array(T);
  surprisal[0] = NaN;
  for (let t = 1; t < T; t++) {
    const off = (t - 1) * V;
    let max = -Infinity;
    for (let v = 0; v < V; v++) max = Math.max(max, r.logits[off + v]!);
    let s = 0;
    for (let v = 0; v < V; v++) s += Math.exp(r.logits[off + v]! - max);
    surprisal[t] = max + Math.log(s) - r.logits[off + ids[t]!]!;
  }
  return {
    chars: chars.map((_, t) => vocab.decode([ids[t]!])),
    ids,
    layers: model.signature.Y.map((y, l) => ({ hidden: y.hidden, values: r.Y![l]! })),
    surprisal,
  };
}
