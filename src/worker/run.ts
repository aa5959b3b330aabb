/**
 * One training run, end to end, in named steps: the session's options → the data → the model and its trainer →
 * the model folder → the training loop and the final export. Used by the worker entry (main.ts) and directly by
 * tests. Bad input throws a DataError (a one-line, user-facing message) before anything is written.
 */
import { writeMixtureFile } from './completion/mixture';
import { writeFinalOnnx } from './finalExport';
import { checkpointOf, runSession } from './session';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { encodeCheckpoint, type Checkpoint } from '../engine/checkpoint';
import { charConfig, type ModelConfig } from '../engine/config';
import type { Kernels } from '../engine/kernels';
import { Model } from '../engine/model';
import { resolveOptions, resumeOptions, type TrainOptions } from '../engine/options';
import { memoryProblem, paramCount } from '../engine/params';
import { generate } from '../engine/sampling';
import { Trainer } from '../engine/train';
import { maxBatchFor, StreamBatcher, trainValIds } from '../data/batches';
import { DataError } from '../data/errors';
import { writeFileAtomic } from '../data/atomic';
import { tryReadCard, writeCard } from '../data/card';
import { readCheckpoint } from '../data/modelFolder';
import { removeRunLock, writeRunLock } from '../data/runLock';
import { corpusFromText, loadCorpus, type Corpus } from '../data/text';
import { Vocab } from '../data/vocab';
import { type ExportMeta, exportOnnx } from '../onnx/export';
import { CARD_FILE, CHECKPOINT_FILE, type ModelCard, ONNX_FILE, SELECTION_FILE } from '../protocol/model';
import type { TrainProgress, TrainRequest, TrainResult } from '../protocol/worker';

export interface RunHooks {
  progress?(p: TrainProgress): void;
  sample?(step: number, text: string): void;
  log?(level: 'info' | 'warn' | 'error', message: string): void;
  shouldStop?(): boolean;
  kernels?: Kernels;
  /** injectable clock (ms) */
  now?(): number;
  /** minimum ms between progress events (default 200) */
  progressEveryMs?: number;
}

/** Option names that define the model or the data stream; an exact resume keeps them from the checkpoint. */
const ARCH_KEYS: (keyof TrainOptions)[] = ['cell', 'layers', 'hidden', 'emb'];
const STREAM_KEYS: (keyof TrainOptions)[] = ['batch', 'seq', 'seed', 'valFraction', 'valSplit', 'optimizer', 'dropout'];

type Log = NonNullable<RunHooks['log']>;

/** One training run: the session's options → its data → the model and trainer → the folder → the training loop. */
export async function runTraining(req: TrainRequest, hooks: RunHooks = {}): Promise<TrainResult> {
  const log = hooks.log ?? (() => {});
  const now = hooks.now ?? (() => Date.now());
  const ck = openCheckpoint(req);
  const { opts: asked, changed } = sessionOptions(req, ck, log);
  const data = prepareData(req, ck, asked, log);
  const run = buildRun(req, ck, data, hooks);
  // every check passed: only now does the model folder exist (a refused run leaves nothing behind)
  mkdirSync(req.outDir, { recursive: true });
  writeRunLock(req.outDir, req.jobId);
  if (req.sources.text !== undefined) writeFileAtomic(join(req.outDir, SELECTION_FILE), req.sources.text);
  const folder = folderWriters(req, ck, data, run, changed, now);
  log(
    'info',
    `training ${req.name}: ${run.config.cell.toUpperCase()} ${run.config.layers}×${run.config.hidden}, ${folder.card.params.toLocaleString('en-US')} parameters, ` +
      `vocabulary ${data.corpus.vocab.size}, ${data.corpus.chars.toLocaleString('en-US')} characters (batch ${data.opts.batch}, seq ${data.opts.seq}; kernels ${run.model.k.name})`,
  );
  try {
    return await train(req, hooks, data, run, folder, now, log);
  } finally {
    removeRunLock(req.outDir, req.jobId);
  }
}

/** The checkpoint a resume starts from, and the refusal to train over another model. */
function openCheckpoint(req: TrainRequest): Checkpoint | null {
  const ck = req.resume ? readCheckpoint(req.resume.from) : null;
  if (!req.resume || req.resume.from !== req.outDir) {
    if (existsSync(req.outDir) && readdirSync(req.outDir).some((f) => f === CARD_FILE || f === CHECKPOINT_FILE)) {
      throw new DataError(`A model already exists at ${req.outDir}; choose another name.`);
    }
  }
  return ck;
}

/** The options of this session: a resume keeps the checkpoint's value of every option the request does not give. */
function sessionOptions(req: TrainRequest, ck: Checkpoint | null, log: Log): { opts: TrainOptions; changed: string[] } {
  if (!ck) return { opts: resolveOptions(req.options), changed: [] };
  const r = resumeOptions(ck.options, req.options, req.resume!.mode === 'exact' ? [...ARCH_KEYS, ...STREAM_KEYS] : ARCH_KEYS);
  if (r.changed.length) log('info', `options changed for this session: ${r.changed.join(', ')}`);
  if (r.kept.length) log('warn', `an exact resume keeps the model and data-stream options: ${r.kept.join(', ')}`);
  return { opts: r.options, changed: r.changed };
}

interface RunData {
  corpus: Corpus;
  dataFiles: string[];
  /** the options, with the batch fitted to a small text (and validation dropped when it cannot be held out) */
  opts: TrainOptions;
  trainSrc: StreamBatcher;
  valSrc: StreamBatcher | null;
}

/** The text (the files, the selection, or for an exact resume the same data as before), split and batched. */
function prepareData(req: TrainRequest, ck: Checkpoint | null, asked: TrainOptions, log: Log): RunData {
  const exact = !!ck && req.resume!.mode === 'exact';
  const { corpus, dataFiles } = loadRunText(req, ck);
  for (const s of corpus.skipped ?? []) log('warn', `skipped ${s.path}: ${s.reason}`);
  if (corpus.unknownChars > 0) {
    log(
      'warn',
      `${corpus.unknownChars} characters are not in the model's vocabulary and were mapped to a fallback (${(corpus.unknownSample ?? []).join(' ')})`,
    );
  }
  let opts = asked;
  let B = opts.batch;
  const T = opts.seq;
  // the train and validation ids: the tail of the text validates, or (valSplit 'spread') blocks spread over it
  const splitIds = (vf: number) => trainValIds(corpus.ids, vf, opts.valSplit);
  let split = splitIds(opts.valFraction);
  const trainChars = split.train.length,
    valChars = split.val.length;
  const fitB = Math.min(maxBatchFor(trainChars, T), opts.valFraction > 0 ? maxBatchFor(valChars, T) : Infinity);
  if (fitB < B && !exact) {
    if (fitB >= 1) {
      log('warn', `the text is small (${corpus.chars} characters): batch reduced from ${B} to ${fitB}`);
      B = fitB;
    } else if (opts.valFraction > 0 && maxBatchFor(trainChars, T) >= 1) {
      log('warn', `the text is too small to hold out a validation part (${valChars} characters < seq+1); training without validation`);
      split = splitIds(0);
      opts = { ...opts, valFraction: 0 };
      B = Math.min(B, maxBatchFor(corpus.chars, T));
    } else {
      throw new DataError(`The text is too short to train on: ${corpus.chars} characters; need at least seq+1 = ${T + 1} (try a smaller seq).`);
    }
    opts = { ...opts, batch: B };
  }
  const trainSrc = new StreamBatcher(split.train, 0, split.train.length, B, T);
  const valSrc = opts.valFraction > 0 ? new StreamBatcher(split.val, 0, split.val.length, B, T) : null;
  if (split.blocks > 1) log('info', `validation: ${split.val.length} characters in ${split.blocks} blocks spread over the text`);
  return { corpus, dataFiles, opts, trainSrc, valSrc };
}

function loadRunText(req: TrainRequest, ck: Checkpoint | null): { corpus: Corpus; dataFiles: string[] } {
  const vocab = ck?.vocab ? Vocab.fromJSON(ck.vocab) : undefined;
  if (ck && req.resume!.mode === 'exact') {
    const d = ck.meta.data as { files: string[]; chars: number; selection?: boolean } | undefined;
    if (!d) throw new DataError('This checkpoint does not record its data files; use fine-tuning instead.');
    const corpus = d.selection ? loadCorpus([join(req.resume!.from, SELECTION_FILE)], { vocab }) : loadCorpus(d.files, { vocab });
    if (corpus.chars !== d.chars) {
      throw new DataError(
        `The training data changed since this run started (${d.chars} → ${corpus.chars} characters); an exact resume needs the same data. Fine-tune instead.`,
      );
    }
    return { corpus, dataFiles: d.files };
  }
  if (req.sources.text !== undefined) {
    if (req.sources.text.length === 0) throw new DataError('The selection is empty: select some text to train on.');
    return { corpus: corpusFromText(req.sources.text, vocab, req.sources.label ?? 'selection'), dataFiles: [req.sources.label ?? 'selection'] };
  }
  const corpus = loadCorpus(req.sources.files ?? [], { vocab });
  return { corpus, dataFiles: corpus.files };
}

interface Run {
  config: ModelConfig;
  model: Model;
  trainer: Trainer;
  stepBase: number;
}

/** The model and its trainer: fresh, the checkpoint's best weights (fine-tune), or the whole checkpoint (exact). */
function buildRun(req: TrainRequest, ck: Checkpoint | null, data: RunData, hooks: RunHooks): Run {
  const { opts } = data;
  const config: ModelConfig = ck
    ? ck.config
    : charConfig({ cell: opts.cell, layers: opts.layers, hidden: opts.hidden, emb: opts.emb, vocab: data.corpus.vocab.size, dropout: opts.dropout });
  if (ck && req.resume!.mode === 'finetune') config.dropout = opts.dropout;
  const memory = memoryProblem(config, opts.batch, opts.seq, totalmem());
  if (memory) throw new DataError(memory);
  const model = new Model(config, { kernels: hooks.kernels });
  const exact = !!ck && req.resume!.mode === 'exact';
  const stepBase = exact ? ck!.trainer.step : 0;
  // `steps` counts the steps of this session; the trainer's limit is absolute
  const trainer = new Trainer(model, { ...opts, steps: opts.steps > 0 ? stepBase + opts.steps : 0 }, data.trainSrc, data.valSrc);
  if (exact) {
    model.params.data.set(ck!.params);
    trainer.optimizer.state.set(ck!.optimizer);
    trainer.bestParams.set(ck!.bestParams);
    for (let l = 0; l < config.layers; l++) {
      trainer.state.h[l].set(ck!.h[l]);
      trainer.state.c[l].set(ck!.c[l]);
    }
    trainer.restore(ck!.trainer);
  } else if (ck) {
    model.params.data.set(ck.bestParams);
    trainer.bestParams.set(ck.bestParams);
  } else trainer.init();
  return { config, model, trainer, stepBase };
}

interface Folder {
  card: ModelCard;
  saveCheckpoint(): void;
  /** patch and write the card; `{}` refreshes its steps, losses and time */
  updateCard(patch: Partial<ModelCard>): void;
  onnxMeta(): ExportMeta;
  /** a fast unverified export of the best weights, at each new best, so an interrupted run still has a model.onnx */
  writeOnnx(): void;
}

/** What the run writes in its folder: the card (with every checkpoint), the checkpoint, model.onnx. */
function folderWriters(req: TrainRequest, ck: Checkpoint | null, data: RunData, run: Run, optionChanges: string[], now: () => number): Folder {
  const { outDir } = req;
  const { config, trainer, stepBase } = run;
  const { corpus, dataFiles, opts } = data;
  const vocab = corpus.vocab;
  // an exact resume continues the same card: its creation time and the history of option changes
  const prev = ck && req.resume!.mode === 'exact' ? tryReadCard(outDir) : null;
  const createdAt = prev?.createdAt ?? new Date(now()).toISOString();
  const history = [...(prev?.optionChanges ?? []), ...(optionChanges.length ? [{ step: stepBase, changed: optionChanges }] : [])];
  const bpc = () => (trainer.bestValLoss === null ? null : trainer.bestValLoss / Math.LN2);
  const card: ModelCard = {
    format: 2,
    name: req.name,
    origin: 'trained',
    status: 'training',
    config,
    params: paramCount(config),
    vocabSize: vocab.size,
    data: { files: dataFiles, chars: corpus.chars, bytes: corpus.bytes },
    steps: trainer.step,
    bestValLoss: trainer.bestValLoss,
    bestValBpc: bpc(),
    trainSeconds: trainer.trainSeconds,
    createdAt,
    updatedAt: createdAt,
    options: { ...opts },
    stopReason: undefined,
    ...(history.length ? { optionChanges: history } : {}),
  };
  const selection = req.sources.text !== undefined && !ck ? true : ((ck?.meta.data as { selection?: boolean } | undefined)?.selection ?? false);
  const meta = { data: { files: dataFiles, chars: corpus.chars, selection }, name: req.name };
  const onnxMeta = (): ExportMeta => ({
    vocab: vocab.toJSON(),
    card: { name: req.name, steps: trainer.bestStep, bestValLoss: trainer.bestValLoss, data: card.data },
  });
  return {
    card,
    onnxMeta,
    saveCheckpoint: () => {
      writeFileAtomic(join(outDir, CHECKPOINT_FILE), encodeCheckpoint(checkpointOf(trainer, config, opts, vocab.toJSON(), meta)));
    },
    // written with every checkpoint: after a crash or kill -9 the card holds the checkpoint's steps and time
    updateCard: (patch) => {
      Object.assign(card, patch, {
        steps: trainer.step,
        bestValLoss: trainer.bestValLoss,
        trainSeconds: trainer.trainSeconds,
        bestValBpc: bpc(),
        updatedAt: new Date(now()).toISOString(),
      });
      writeCard(outDir, card);
    },
    writeOnnx: () => writeFileAtomic(join(outDir, ONNX_FILE), exportOnnx(config, trainer.bestParams, onnxMeta())),
  };
}

/** The training loop (runSession), the verified final export, the card's last word. */
async function train(req: TrainRequest, hooks: RunHooks, data: RunData, run: Run, folder: Folder, now: () => number, log: Log): Promise<TrainResult> {
  const { model, trainer, config, stepBase } = run;
  const { opts, corpus } = data;
  folder.updateCard({});
  const result = runSession(trainer, {
    jobId: req.jobId,
    stepBase,
    now,
    shouldStop: hooks.shouldStop,
    progress: hooks.progress,
    progressEveryMs: hooks.progressEveryMs,
    onEval: (e) => {
      log('info', `step ${e.step}: val loss ${e.valLoss.toFixed(4)} (${(e.valLoss / Math.LN2).toFixed(3)} bits/char)${e.improved ? ' *best*' : ''}`);
      if (opts.sampleChars > 0 && hooks.sample)
        hooks.sample(e.step, generate(model, corpus.vocab, { length: opts.sampleChars, temperature: 0.8, seed: e.step }));
    },
    saveCheckpoint: folder.saveCheckpoint,
    updateCard: folder.updateCard,
    writeOnnx: folder.writeOnnx,
  });
  // the final export is checked against onnxruntime: it fails loudly if the runtimes disagree
  await writeFinalOnnx(req.outDir, config, trainer.bestParams, folder.onnxMeta(), log, (reason) => folder.updateCard({ status: 'failed', stopReason: reason }));
  // autocomplete's mixture of experts, fitted on this text, so completion needs nothing but the folder
  if (config.kind === 'char' && result.stop !== 'diverged') await writeMixtureFile(req.outDir, config.vocab, data.corpus.ids, log);
  const status = result.stop === 'cancelled' || result.stop === 'diverged' ? 'stopped' : 'complete';
  folder.updateCard({ status, stopReason: result.reason });
  log(
    result.stop === 'diverged' ? 'warn' : 'info',
    `${req.name}: ${result.reason}; best validation loss ${trainer.bestValLoss === null ? 'n/a' : trainer.bestValLoss.toFixed(4)}`,
  );
  return { jobId: req.jobId, modelDir: req.outDir, steps: result.steps, bestValLoss: result.bestValLoss, status, stopReason: result.reason };
}
