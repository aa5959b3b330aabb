/**
 * One training run, end to end: data → model → Trainer.run → model folder. Synchronous; used by the
 * worker entry (main.ts) and directly by tests. Bad input throws DataError (a one-line, user-facing message).
 */
import { writeFinalOnnx } from './finalExport';
import { runSession } from './session';
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
import { exportOnnx } from '../onnx/export';
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

export async function runTraining(req: TrainRequest, hooks: RunHooks = {}): Promise<TrainResult> {
  const log = hooks.log ?? (() => {});
  const now = hooks.now ?? (() => Date.now());
  const outDir = req.outDir;
  const resume = req.resume;
  let ck: Checkpoint | null = null;
  if (resume) ck = readCheckpoint(resume.from);
  if (!resume || resume.from !== outDir) {
    if (existsSync(outDir) && readdirSync(outDir).some((f) => f === CARD_FILE || f === CHECKPOINT_FILE)) {
      throw new DataError(`A model already exists at ${outDir}; choose another name.`);
    }
  }
  // ---- options: a resume keeps the checkpoint's value of every option the request does not give
  let opts: TrainOptions;
  let optionChanges: string[] = [];
  if (ck) {
    const r = resumeOptions(ck.options, req.options, resume!.mode === 'exact' ? [...ARCH_KEYS, ...STREAM_KEYS] : ARCH_KEYS);
    opts = r.options;
    optionChanges = r.changed;
    if (r.changed.length) log('info', `options changed for this session: ${r.changed.join(', ')}`);
    if (r.kept.length) log('warn', `an exact resume keeps the model and data-stream options: ${r.kept.join(', ')}`);
  } else opts = resolveOptions(req.options);

  // ---- data
  const vocabIn = ck?.vocab ? Vocab.fromJSON(ck.vocab) : undefined;
  let corpus: Corpus;
  let dataFiles: string[];
  if (ck && resume!.mode === 'exact') {
    const d = ck.meta.data as { files: string[]; chars: number; selection?: boolean } | undefined;
    if (!d) throw new DataError('This checkpoint does not record its data files; use fine-tuning instead.');
    dataFiles = d.files;
    corpus = d.selection
      ? loadCorpus([join(resume!.from, SELECTION_FILE)], { vocab: vocabIn })
      : loadCorpus(d.files, { vocab: vocabIn });
    if (corpus.chars !== d.chars) {
      throw new DataError(`The training data changed since this run started (${d.chars} → ${corpus.chars} characters); an exact resume needs the same data. Fine-tune instead.`);
    }
  } else if (req.sources.text !== undefined) {
    if (req.sources.text.length === 0) throw new DataError('The selection is empty: select some text to train on.');
    corpus = corpusFromText(req.sources.text, vocabIn, req.sources.label ?? 'selection');
    dataFiles = [req.sources.label ?? 'selection'];
  } else {
    corpus = loadCorpus(req.sources.files ?? [], { vocab: vocabIn });
    dataFiles = corpus.files;
  }
  for (const s of corpus.skipped ?? []) log('warn', `skipped ${s.path}: ${s.reason}`);
  if (corpus.unknownChars > 0) {
    log('warn', `${corpus.unknownChars} characters are not in the model's vocabulary and were mapped to a fallback (${(corpus.unknownSample ?? []).join(' ')})`);
  }
  const vocab = corpus.vocab;

  // ---- split, fitting the batch to small texts
  let { batch: B } = opts;
  const T = opts.seq;
  // the train and validation ids: the tail of the text validates, or (valSplit 'spread') blocks spread over it
  const splitIds = (vf: number) => trainValIds(corpus.ids, vf, opts.valSplit);
  let split = splitIds(opts.valFraction);
  const trainChars = split.train.length, valChars = split.val.length;
  const fitB = Math.min(maxBatchFor(trainChars, T), opts.valFraction > 0 ? maxBatchFor(valChars, T) : Infinity);
  if (fitB < B && !(ck && resume!.mode === 'exact')) {
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

  // ---- model
  const config: ModelConfig = ck ? ck.config : charConfig({ cell: opts.cell, layers: opts.layers, hidden: opts.hidden, emb: opts.emb, vocab: vocab.size, dropout: opts.dropout });
  if (ck && resume!.mode === 'finetune') config.dropout = opts.dropout;
  const memory = memoryProblem(config, B, T, totalmem());
  if (memory) throw new DataError(memory);

  // ---- every check passed: only now does the model folder exist (a refused run leaves nothing behind)
  mkdirSync(outDir, { recursive: true });
  writeRunLock(outDir, req.jobId);
  if (req.sources.text !== undefined) writeFileAtomic(join(outDir, SELECTION_FILE), req.sources.text);
  const model = new Model(config, { kernels: hooks.kernels });
  const stepBase = ck && resume!.mode === 'exact' ? ck.trainer.step : 0;
  // `steps` counts the steps of this session; the trainer's limit is absolute
  const trainer = new Trainer(model, { ...opts, steps: opts.steps > 0 ? stepBase + opts.steps : 0 }, trainSrc, valSrc);
  if (ck && resume!.mode === 'exact') {
    model.params.data.set(ck.params);
    trainer.optimizer.state.set(ck.optimizer);
    trainer.bestParams.set(ck.bestParams);
    for (let l = 0; l < config.layers; l++) { trainer.state.h[l].set(ck.h[l]); trainer.state.c[l].set(ck.c[l]); }
    trainer.restore(ck.trainer);
  } else if (ck) {
    model.params.data.set(ck.bestParams);
    trainer.bestParams.set(ck.bestParams);
  } else trainer.init();

  // an exact resume continues the same card: its creation time and the history of option changes
  const prev = ck && resume!.mode === 'exact' ? tryReadCard(outDir) : null;
  const createdAt = prev?.createdAt ?? new Date(now()).toISOString();
  const history = [...(prev?.optionChanges ?? []), ...(optionChanges.length ? [{ step: stepBase, changed: optionChanges }] : [])];
  const card: ModelCard = {
    format: 1, name: req.name, origin: 'trained', status: 'training', config, params: paramCount(config), vocabSize: vocab.size,
    data: { files: dataFiles, chars: corpus.chars, bytes: corpus.bytes }, steps: trainer.step,
    bestValLoss: trainer.bestValLoss, bestValBpc: trainer.bestValLoss === null ? null : trainer.bestValLoss / Math.LN2,
    trainSeconds: trainer.trainSeconds, createdAt, updatedAt: createdAt, options: { ...opts }, stopReason: undefined,
    ...(history.length ? { optionChanges: history } : {}),
  };
  const meta = { data: { files: dataFiles, chars: corpus.chars, selection: req.sources.text !== undefined && !ck ? true : (ck?.meta.data as { selection?: boolean } | undefined)?.selection ?? false }, name: req.name };
  const saveCheckpoint = () => {
    const snap: Checkpoint = {
      config, options: opts, vocab: vocab.toJSON(), trainer: trainer.snapshot(), meta,
      params: Float32Array.from(model.params.data), optimizer: trainer.optimizer.state, bestParams: trainer.bestParams,
      h: trainer.state.h as Float32Array[], c: trainer.state.c as Float32Array[],
    };
    writeFileAtomic(join(outDir, CHECKPOINT_FILE), encodeCheckpoint(snap));
  };
  // the card is written with every checkpoint: after a crash or kill -9 it holds the checkpoint's steps and time
  const updateCard = (patch: Partial<ModelCard>) => {
    Object.assign(card, patch, {
      steps: trainer.step, bestValLoss: trainer.bestValLoss, trainSeconds: trainer.trainSeconds,
      bestValBpc: trainer.bestValLoss === null ? null : trainer.bestValLoss / Math.LN2,
      updatedAt: new Date(now()).toISOString(),
    });
    writeCard(outDir, card);
  };
  const onnxMeta = () => ({ vocab: vocab.toJSON(), card: { name: req.name, steps: trainer.bestStep, bestValLoss: trainer.bestValLoss, data: card.data } });
  // during the run: a fast unverified export at each new best, so an interrupted run still has a usable model.onnx
  const writeOnnx = () => writeFileAtomic(join(outDir, ONNX_FILE), exportOnnx(config, trainer.bestParams, onnxMeta()));
  updateCard({});
  log('info', `training ${req.name}: ${config.cell.toUpperCase()} ${config.layers}×${config.hidden}, ${card.params.toLocaleString('en-US')} parameters, vocabulary ${vocab.size}, ${corpus.chars.toLocaleString('en-US')} characters (batch ${B}, seq ${T}; kernels ${model.k.name})`);

  // ---- run
  let result: ReturnType<typeof runSession>;
  let status: TrainResult['status'];
  try {
    result = runSession(trainer, {
      jobId: req.jobId, stepBase, now, shouldStop: hooks.shouldStop, progress: hooks.progress, progressEveryMs: hooks.progressEveryMs,
      onEval: (e) => {
        log('info', `step ${e.step}: val loss ${e.valLoss.toFixed(4)} (${(e.valLoss / Math.LN2).toFixed(3)} bits/char)${e.improved ? ' *best*' : ''}`);
        if (opts.sampleChars > 0 && hooks.sample) {
          const text = generate(model, vocab, { length: opts.sampleChars, temperature: 0.8, seed: e.step });
          hooks.sample(e.step, text);
        }
      },
      saveCheckpoint, updateCard, writeOnnx,
    });
    // the final export is checked against onnxruntime: it fails loudly if the runtimes disagree
    await writeFinalOnnx(outDir, config, trainer.bestParams, onnxMeta(), log, (reason) => updateCard({ status: 'failed', stopReason: reason }));
    status = result.stop === 'cancelled' || result.stop === 'diverged' ? 'stopped' : 'complete';
    updateCard({ status, stopReason: result.reason, trainSeconds: trainer.trainSeconds });
  } finally {
    removeRunLock(outDir, req.jobId);
  }
  log(result.stop === 'diverged' ? 'warn' : 'info', `${req.name}: ${result.reason}; best validation loss ${trainer.bestValLoss === null ? 'n/a' : trainer.bestValLoss.toFixed(4)}`);
  return { jobId: req.jobId, modelDir: outDir, steps: result.steps, bestValLoss: result.bestValLoss, status, stopReason: result.reason };
}
