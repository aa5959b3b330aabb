/**
 * The `seqlab` CLI: the same engine and the same training worker as the extension.
 * Wrong usage prints usage and exits 2; bad input prints one clear line and exits 1 (no stack traces).
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { type CellType, charConfig } from './engine/config';
import { DEFAULT_TRAIN_OPTIONS, resolveOptions, type TrainOptions } from './engine/options';
import { memoryProblem } from './engine/params';
import { isDataError } from './data/errors';
import { readCard } from './data/card';
import { writeFileAtomic } from './data/atomic';
import { readCheckpoint } from './data/modelFolder';
import { effectiveStatus } from './data/runLock';
import { Vocab } from './data/vocab';
import { evaluateOnnx } from './onnx/evaluate';
import { OnnxModel } from './onnx/runtime';
import type { EngineChoice } from './onnx/fallback';
import { exportModelFolder, importOnnxFile, sampleModelFolder } from './onnx/models';
import { loadCorpus } from './data/text';
import { addForecastCommands } from './cliForecast';
import { CARD_FILE, CHECKPOINT_FILE, ONNX_FILE } from './protocol/model';
import { RemoteError } from './protocol/rpc';
import type { TrainProgress } from './protocol/worker';
import { TrainingWorker } from './worker/client';
import { pytorchScript, readTemplate, recipeFrom } from './worker/pytorchScript';

/** A user-facing failure: printed as one line, exit code 1. */
class UserError extends Error { constructor(m: string) { super(m); this.name = 'UserError'; } }
/** Wrong usage: printed with the command's usage, exit code 2. */
class UsageError extends Error { constructor(m: string, readonly usage: string) { super(m); this.name = 'UsageError'; } }

const int = (name: string, min = 1, max = Infinity) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a whole number ${max === Infinity ? `>= ${min}` : `from ${min} to ${max}`}`);
  return n;
};
const num = (name: string, lo = -Infinity, hi = Infinity) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < lo || n > hi) throw new InvalidArgumentError(`${name} must be a number in [${lo}, ${hi}]`);
  return n;
};

function workerPath(): string {
  const p = join(__dirname, 'worker.js');
  if (!existsSync(p)) throw new UserError(`the training worker is missing (${p}); run \`npm run build\``);
  return p;
}

function modelDir(arg: string): string {
  const p = resolve(arg);
  if (!existsSync(p)) throw new UserError(`no model at ${arg}`);
  if (statSync(p).isDirectory() && existsSync(join(p, CARD_FILE))) return p;
  throw new UserError(`${arg} is not a Sequence Lab model folder (no ${CARD_FILE})`);
}

function uniqueDir(base: string): string {
  if (!existsSync(base)) return base;
  for (let i = 2; ; i++) if (!existsSync(`${base}-${i}`)) return `${base}-${i}`;
}

function fmtSec(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '--';
  const m = Math.floor(s / 60), r = Math.round(s % 60);
  return m > 0 ? `${m}m${String(r).padStart(2, '0')}s` : `${r}s`;
}

interface TrainCliOptions {
  cell?: CellType; layers?: number; hidden?: number; emb?: number; batch?: number; seq?: number; lr?: number; dropout?: number;
  steps?: number; minutes?: number; seed?: number; out?: string; name?: string; resume?: string; finetune?: string; json?: boolean;
  optimizer?: TrainOptions['optimizer']; clip?: number; threads?: number; valFraction?: number; valSplit?: TrainOptions['valSplit']; evalEvery?: number; patience?: number; progress?: boolean;
}

async function train(files: string[], o: TrainCliOptions, defaults: Partial<TrainOptions> = {}): Promise<void> {
  const json = !!o.json;
  if (files.length === 0 && !o.resume) throw new UsageError('give a file or folder to train on (or --resume DIR)', 'seqlab train [options] <files...>   (seqlab train --help for options)');
  const resume = o.resume ? { from: modelDir(o.resume), mode: 'exact' as const } : o.finetune ? { from: modelDir(o.finetune), mode: 'finetune' as const } : undefined;
  const name = o.name ?? (resume?.mode === 'exact' ? basename(resume.from) : `${basename(files[0] ?? 'model', extname(files[0] ?? ''))}-${o.cell ?? 'lstm'}`);
  const outDir = resume?.mode === 'exact' ? resume.from : uniqueDir(resolve(o.out ?? join('.seqlab', 'models'), name));
  const options: Partial<TrainOptions> = {
    ...defaults, cell: o.cell, layers: o.layers, hidden: o.hidden, emb: o.emb, batch: o.batch, seq: o.seq, lr: o.lr, dropout: o.dropout,
    // a budget given on the command line replaces the whole budget (`--steps 100` alone means no time limit)
    steps: o.minutes !== undefined && o.steps === undefined ? 0 : o.steps ?? defaults.steps,
    minutes: o.steps !== undefined && o.minutes === undefined ? 0 : o.minutes ?? defaults.minutes, seed: o.seed,
    optimizer: o.optimizer, clip: o.clip, valFraction: o.valFraction, valSplit: o.valSplit, evalEvery: o.evalEvery, patience: o.patience,
  };
  if (!resume) checkTrainOptions(options);
  for (const f of files) if (!existsSync(f)) throw new UserError(`no such file or folder: ${f}`);
  const worker = new TrainingWorker(workerPath());
  const tty = !json && process.stderr.isTTY && o.progress !== false;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const cliProgress = tty ? (require('cli-progress') as typeof import('cli-progress')) : null;
  let bar: import('cli-progress').SingleBar | null = null;
  const t0 = Date.now();
  let lastLine = 0;
  const onProgress = (p: TrainProgress) => {
    if (json) {
      const line: Record<string, unknown> = {
        step: p.step, epoch: p.epoch, train_loss: round(p.trainLoss), chars_per_sec: Math.round(p.charsPerSec),
        elapsed_s: round(p.elapsedSec, 2), grad_norm: round(p.gradNorm), lr: p.lr,
      };
      if (p.valLoss !== undefined) line.val_loss = round(p.valLoss);
      if (p.etaSec !== null) line.eta_s = Math.round(p.etaSec);
      process.stdout.write(JSON.stringify(line) + '\n');
      return;
    }
    const total = p.totalSteps ?? (p.etaSec !== null ? Math.round(p.step + p.etaSec * (p.step / Math.max(p.elapsedSec, 1e-3))) : p.step);
    const payload = { loss: p.trainLoss.toFixed(3), val: p.valLoss !== undefined ? p.valLoss.toFixed(3) : '--', cps: Math.round(p.charsPerSec).toLocaleString('en-US'), eta: fmtSec(p.etaSec) };
    if (cliProgress) {
      if (!bar) {
        bar = new cliProgress.SingleBar({
          format: ' {bar} {percentage}% | step {value}/{total} | loss {loss} | val {val} | {cps} chars/s | ETA {eta}',
          hideCursor: true, barsize: 24, etaBuffer: 50,
        }, cliProgress.Presets.shades_classic);
        bar.start(Math.max(total, 1), p.step, payload);
      }
      bar.setTotal(Math.max(total, p.step));
      bar.update(p.step, payload);
    } else if (Date.now() - lastLine > 2000 || p.step === total) {
      lastLine = Date.now();
      process.stderr.write(`step ${p.step}/${total} loss ${payload.loss} val ${payload.val} ${payload.cps} chars/s ETA ${payload.eta}\n`);
    }
  };
  worker.on('train/progress', onProgress);
  worker.on('train/log', (l) => {
    if (json) return;
    if (bar) { (bar as import('cli-progress').SingleBar).stop(); bar = null; }
    process.stderr.write(`${l.level === 'info' ? '' : `${l.level}: `}${l.message}\n`);
  });
  const onSig = () => { worker.stop(); if (!json) process.stderr.write('\nstopping after this step (the best model is kept)…\n'); };
  process.once('SIGINT', onSig);
  try {
    const r = await worker.train({ jobId: name, name, outDir, sources: { files: files.map((f) => resolve(f)) }, resume, options, threads: o.threads ?? Math.max(1, availableParallelism()) });
    if (bar) (bar as import('cli-progress').SingleBar).stop();
    if (json) {
      process.stdout.write(JSON.stringify({ done: true, model: r.modelDir, onnx: join(r.modelDir, 'model.onnx'), steps: r.steps, best_val_loss: r.bestValLoss === null ? null : round(r.bestValLoss), status: r.status, reason: r.stopReason, elapsed_s: round((Date.now() - t0) / 1000, 2) }) + '\n');
    } else {
      const bpc = r.bestValLoss === null ? '' : ` (best val loss ${r.bestValLoss.toFixed(4)} nats = ${(r.bestValLoss / Math.LN2).toFixed(3)} bits/char)`;
      process.stderr.write(`${r.stopReason}${bpc}\nmodel: ${r.modelDir}\n`);
    }
  } catch (e) {
    if (bar) (bar as import('cli-progress').SingleBar).stop();
    if (e instanceof RemoteError && e.code === 'user') throw new UserError(e.message);
    throw e;
  } finally {
    process.removeListener('SIGINT', onSig);
    await worker.terminate();
  }
}

/**
 * Usage errors (exit 2) before anything is read or created: options out of range, and a model too large for this
 * machine's memory (checked with the smallest vocabulary; the worker checks again with the real one).
 */
function checkTrainOptions(options: Partial<TrainOptions>): void {
  const usage = 'seqlab train [options] <files...>   (seqlab train --help for options)';
  let r: TrainOptions;
  try { r = resolveOptions(options); } catch (e) { throw new UsageError((e as Error).message, usage); }
  const config = charConfig({ cell: r.cell, layers: r.layers, hidden: r.hidden, emb: r.emb, vocab: 2, dropout: r.dropout });
  const memory = memoryProblem(config, r.batch, r.seq, totalmem());
  if (memory) throw new UsageError(memory, usage);
}

function round(x: number, d = 4): number { const f = 10 ** d; return Math.round(x * f) / f; }

interface SampleCliOptions { prime?: string; length: number; temperature?: number; topK?: number; topP?: number; greedy?: boolean; seed: number; engine: string; stop?: string[] }

async function sample(model: string, o: SampleCliOptions): Promise<void> {
  const dir = modelDir(model);
  const r = await sampleModelFolder(dir, {
    prime: o.prime ?? '', length: o.length, temperature: o.temperature, topK: o.topK, topP: o.topP, greedy: o.greedy, seed: o.seed,
    stop: o.stop, engine: o.engine as EngineChoice, warn: (m) => process.stderr.write(`warning: ${m}\n`),
    onText: (t) => process.stdout.write(t),
  });
  void r;
  process.stdout.write('\n');
}

async function exportCmd(model: string, out: string): Promise<void> {
  const dir = modelDir(model);
  const target = resolve(out);
  if (existsSync(target) && statSync(target).isDirectory()) throw new UserError(`${out} is a folder; give a file name ending in .onnx`);
  const r = await exportModelFolder(dir, { out: target });
  process.stdout.write(`exported ${r.out} (${r.bytes.toLocaleString('en-US')} bytes); onnxruntime agrees with the engine to ${r.parity.maxDiff.toExponential(1)}\n`);
}

async function importCmd(file: string, o: { vocab?: string; name?: string; out: string; json?: boolean }): Promise<void> {
  const r = await importOnnxFile(resolve(file), { modelsDir: resolve(o.out), name: o.name, vocabFile: o.vocab ? resolve(o.vocab) : undefined });
  if (o.json) { process.stdout.write(JSON.stringify({ model: r.dir, vocab: r.card.vocabSize, trainable: r.trainable, not_trainable: r.notTrainable, card: r.card }) + '\n'); return; }
  const more = r.trainable ? '; it can be trained further (seqlab train --finetune)' : r.notTrainable ? `; ${r.notTrainable}, so it runs but cannot be trained further here` : '';
  process.stdout.write(`imported ${file} as ${r.dir} (${r.card.vocabSize}-character vocabulary${more})\n`);
}

function exportPytorchCmd(source: string, o: { out: string; force?: boolean }): void {
  const recipe = recipeFrom(resolve(source));
  const out = resolve(o.out);
  if (existsSync(out) && statSync(out).isDirectory()) throw new UserError(`${o.out} is a folder; give the script's file name (-o train.py)`);
  if (existsSync(out) && !o.force) throw new UserError(`${o.out} exists; choose another name, or --force to overwrite it`);
  writeFileAtomic(out, pytorchScript(recipe, readTemplate()));
  const c = recipe.options;
  process.stdout.write(`wrote ${o.out}: ${c.cell.toUpperCase()} ${c.layers}×${c.hidden} on ${recipe.files.length} path(s), ${c.steps || '∞'} steps` +
    `${c.minutes ? `, ${c.minutes} min` : ''}. Run it with: torchrun --standalone --nproc_per_node=N ${o.out}   (or python ${o.out})\n`);
}

function info(model: string, o: { json?: boolean }): void {
  const dir = modelDir(model);
  const card = readCard(dir);
  // a card that says 'training' while no process runs it is a run that died (killed, crashed): 'interrupted'
  const status = effectiveStatus(dir, card);
  const checkpoint = existsSync(join(dir, CHECKPOINT_FILE)) ? readCheckpoint(dir) : null;
  if (o.json) { process.stdout.write(JSON.stringify({ ...card, status }, null, 2) + '\n'); return; }
  const c = card.config;
  const resumeHint = status === 'interrupted' ? ` (last checkpoint; continue with \`seqlab train --resume ${model}\`)` : '';
  const lines = [
    `name:        ${card.name} (${card.origin}, ${status})`,
    `model:       ${c.cell.toUpperCase()} ${c.layers}×${c.hidden}${c.kind === 'char' ? `, embedding ${c.emb}` : `, ${c.features} features → ${c.outputs} outputs`}, dropout ${c.dropout}`,
    `parameters:  ${card.params.toLocaleString('en-US')}`,
    `vocabulary:  ${card.vocabSize} characters${checkpoint?.vocab ? ` (${JSON.stringify(String.fromCodePoint(...checkpoint.vocab.slice(0, 40)))}${checkpoint.vocab.length > 40 ? '…' : ''})` : ''}`,
    `data:        ${card.data.files.join(', ')} (${card.data.chars.toLocaleString('en-US')} characters)`,
    `trained:     ${card.steps} steps in ${fmtSec(card.trainSeconds)}${resumeHint}; best validation loss ${card.bestValLoss === null ? 'n/a' : `${card.bestValLoss.toFixed(4)} nats = ${card.bestValBpc!.toFixed(3)} bits/char`}`,
    `stopped:     ${card.stopReason ?? '-'}`,
    `folder:      ${dir}`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

async function evalCmd(model: string, file: string, o: { json?: boolean; threads?: number }): Promise<void> {
  const dir = modelDir(model);
  if (!existsSync(file)) throw new UserError(`no such file: ${file}`);
  const onnx = join(dir, ONNX_FILE);
  if (!existsSync(onnx)) throw new UserError(`${model} has no ${ONNX_FILE} yet (a run that never finished an evaluation has none)`);
  const m = await OnnxModel.load(onnx, { threads: o.threads ?? Math.max(1, availableParallelism()) });
  try {
    if (m.signature.kind !== 'char' || !m.info.vocab) throw new UserError('eval needs a character model with a vocabulary (a forecaster is scored by `seqlab forecast train`)');
    const corpus = loadCorpus([file], { vocab: Vocab.fromJSON(m.info.vocab), markUnknown: true });
    if (corpus.chars < 2) throw new UserError(`${file} is too short to evaluate`);
    const t0 = performance.now();
    const r = await evaluateOnnx(m, corpus.ids, corpus.unknownMask);
    const seconds = (performance.now() - t0) / 1000;
    if (r.chars === 0) throw new UserError(`${file}: none of its ${corpus.chars.toLocaleString('en-US')} characters is in the model's ${m.vocabSize}-character vocabulary; nothing to score`);
    const cps = Math.round((r.chars + r.unknown) / seconds);
    if (o.json) {
      process.stdout.write(JSON.stringify({
        file, chars: r.chars, loss: round(r.loss), bpc: round(r.bpc), top1: round(r.accuracy), unknown_chars: r.unknown,
        unknown_sample: corpus.unknownSample ?? [], chars_per_sec: cps,
      }) + '\n');
      return;
    }
    const unk = r.unknown ? `; ${r.unknown.toLocaleString('en-US')} characters outside the vocabulary were not scored (${(corpus.unknownSample ?? []).slice(0, 8).map((c) => JSON.stringify(c)).join(' ')})` : '';
    process.stdout.write(`${file}: ${r.chars.toLocaleString('en-US')} characters scored, loss ${r.loss.toFixed(4)} nats/char = ${r.bpc.toFixed(3)} bits/char, next-char top-1 accuracy ${(100 * r.accuracy).toFixed(2)}%${unk} [${cps.toLocaleString('en-US')} chars/s]\n`);
  } finally { await m.dispose(); }
}

/** `npm start`: train a small LSTM for about a minute on TypeScript's own lib.*.d.ts, then print text. */
async function demo(o: { minutes: number; json?: boolean }): Promise<void> {
  let tsLib: string;
  try { tsLib = dirname(require.resolve('typescript/lib/lib.d.ts', { paths: [process.cwd(), __dirname] })); } catch {
    throw new UserError('the demo corpus (TypeScript\'s lib.*.d.ts, installed by `npm ci`) was not found');
  }
  const files = readdirSync(tsLib).filter((f) => /^lib\.es20\d\d\.[a-z.]+\.d\.ts$|^lib\.es5\.d\.ts$|^lib\.dom\.d\.ts$/.test(f)).sort().map((f) => join(tsLib, f));
  const out = join('.seqlab', 'models');
  process.stderr.write(`Sequence Lab demo: a 1-layer LSTM (hidden 128) learns to write TypeScript declarations from ${files.length} lib.*.d.ts files, for ${o.minutes} minute(s).\n`);
  await train(files, { cell: 'lstm', minutes: o.minutes, out, name: 'demo-lstm', json: o.json }, { hidden: 128, emb: 32, batch: 32, seq: 64, lr: 3e-3, evalEvery: 50, evalBatches: 10, sampleChars: 0 });
  const dirs = readdirSync(out).filter((d) => d.startsWith('demo-lstm')).map((d) => join(out, d)).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  process.stderr.write('\nGenerated text (temperature 0.7, primed with "interface "):\n\n');
  await sample(dirs[0], { prime: 'interface ', length: 600, temperature: 0.7, seed: 1, engine: 'onnx' });
}

export function buildProgram(): Command {
  const p = new Command('seqlab')
    .description('Sequence Lab: train and use char-level RNN / LSTM / GRU models')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  p.command('train')
    .description('train a character model on text files or folders')
    .argument('[files...]', 'text files or folders')
    .addOption(new Option('--cell <cell>', 'recurrent cell (default lstm)').choices(['lstm', 'gru', 'rnn']))
    .option('--layers <n>', 'layers (1-4)', int('--layers', 1, 4))
    .option('--hidden <n>', `hidden size (default ${DEFAULT_TRAIN_OPTIONS.hidden})`, int('--hidden'))
    .option('--emb <n>', `embedding size (default ${DEFAULT_TRAIN_OPTIONS.emb})`, int('--emb'))
    .option('--batch <n>', `parallel streams (default ${DEFAULT_TRAIN_OPTIONS.batch})`, int('--batch'))
    .option('--seq <n>', `truncated-BPTT length (default ${DEFAULT_TRAIN_OPTIONS.seq})`, int('--seq'))
    .option('--lr <x>', `learning rate (default ${DEFAULT_TRAIN_OPTIONS.lr})`, num('--lr', 1e-9, 100))
    .option('--dropout <x>', 'dropout between layers', num('--dropout', 0, 0.99))
    .addOption(new Option('--optimizer <name>', 'optimizer (default adam)').choices(['adam', 'sgd', 'rmsprop']))
    .option('--clip <x>', 'global gradient-norm clip, 0 = off (default 5)', num('--clip', 0))
    .option('--val-fraction <x>', 'held-out validation share (default 0.1)', num('--val-fraction', 0, 0.9))
    .addOption(new Option('--val-split <where>', 'where validation comes from: the end of the text, or blocks spread over it so every file is trained on (default tail)').choices(['tail', 'spread']))
    .option('--eval-every <n>', 'validate every N steps (default 100)', int('--eval-every'))
    .option('--patience <n>', 'early stopping after N evaluations without improvement', int('--patience', 0))
    .option('--steps <n>', `training steps (default ${DEFAULT_TRAIN_OPTIONS.steps})`, int('--steps'))
    .option('--minutes <x>', 'time budget in minutes', num('--minutes', 0.001))
    .option('--seed <n>', 'random seed (default 1)', int('--seed', 0))
    .option('--threads <n>', 'kernel threads (default: all cores); speed only, the math is the same', int('--threads'))
    .option('--out <dir>', 'folder for model folders', '.seqlab/models')
    .option('--name <name>', 'model name')
    .option('--resume <dir>', 'continue a model exactly where it stopped')
    .option('--finetune <dir>', 'fine-tune a model on new files, keeping its vocabulary')
    .option('--no-progress', 'no progress bar')
    .option('--json', 'print one JSON object per line')
    .action((files: string[], o: TrainCliOptions) => train(files, o));
  p.command('sample')
    .description('generate text from a model')
    .argument('<model>', 'model folder')
    .option('--prime <text>', 'text to start from', '')
    .option('--length <n>', 'characters to generate', int('--length'), 500)
    .option('--temperature <x>', 'softmax temperature', num('--temperature', 1e-6, 100))
    .option('--top-k <n>', 'keep the k most likely characters', int('--top-k', 0))
    .option('--top-p <x>', 'nucleus sampling threshold', num('--top-p', 1e-6, 1))
    .option('--greedy', 'always take the most likely character')
    .option('--stop <text...>', 'stop strings')
    .option('--seed <n>', 'random seed', int('--seed', 0), 1)
    .addOption(new Option('--engine <engine>', 'inference engine: onnxruntime-node, or the TypeScript engine').choices(['onnx', 'ts']).default('onnx'))
    .action((model: string, o: SampleCliOptions) => sample(model, o));
  p.command('export').description('export a model to a standalone ONNX file (checked against onnxruntime)')
    .argument('<model>', 'model folder').argument('<out.onnx>', 'output file')
    .action((model: string, out: string) => exportCmd(model, out));
  p.command('import').description('import an ONNX character model trained elsewhere (e.g. PyTorch nn.LSTM via torch.onnx.export)')
    .argument('<file.onnx>', 'ONNX file')
    .option('--vocab <file>', 'vocabulary: a JSON list of characters or code points, or a text file whose characters define it')
    .option('--name <name>', 'model name')
    .option('--out <dir>', 'folder for model folders', '.seqlab/models')
    .option('--json', 'print JSON')
    .action((file: string, o: { vocab?: string; name?: string; out: string; json?: boolean }) => importCmd(file, o));
  p.command('export-pytorch').description('write a PyTorch training script (DDP under torchrun) for a recipe or a model, which exports an ONNX file seqlab import reads')
    .argument('<recipe|model>', 'a *.seqlab.json recipe or a model folder')
    .requiredOption('-o, --out <train.py>', 'the script to write')
    .option('--force', 'overwrite the script if it exists')
    .action((source: string, o: { out: string; force?: boolean }) => exportPytorchCmd(source, o));
  p.command('info').description('describe a model').argument('<model>', 'model folder').option('--json', 'print the model card as JSON')
    .action((model: string, o: { json?: boolean }) => info(model, o));
  p.command('eval').description('loss and next-character top-1 accuracy on a held-out file (characters outside the vocabulary are counted, not scored)')
    .argument('<model>', 'model folder').argument('<file>', 'text file').option('--json', 'print JSON')
    .option('--threads <n>', 'onnxruntime threads (default: all cores)', int('--threads'))
    .action((model: string, file: string, o: { json?: boolean; threads?: number }) => evalCmd(model, file, o));
  p.command('demo').description('train a small LSTM on TypeScript\'s lib files for about a minute, then generate text')
    .option('--minutes <x>', 'time budget', num('--minutes', 0.001), 1).option('--json', 'JSON progress')
    .action((o: { minutes: number; json?: boolean }) => demo(o));
  addForecastCommands(p);
  return p;
}

/** ONNX load/import/input errors carry user-facing messages. */
function isOnnxUserError(e: unknown): boolean {
  return e instanceof Error && ['ModelLoadError', 'ModelImportError', 'InferenceInputError', 'ExportParityError'].includes(e.name);
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0) return 0;
      return 2;
    }
    if (e instanceof UsageError || typeof (e as { usage?: unknown })?.usage === 'string') {
      process.stderr.write(`seqlab: ${(e as Error).message}\nusage: ${(e as UsageError).usage}\n`);
      return 2;
    }
    if (e instanceof UserError || isDataError(e) || isOnnxUserError(e) || (e instanceof RemoteError && e.code === 'user') || (e as { userFacing?: boolean }).userFacing) {
      process.stderr.write(`seqlab: ${(e as Error).message}\n`);
      return 1;
    }
    process.stderr.write(`seqlab: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    return 70;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
