/** `seqlab train`: train a character model in the training worker, with a progress bar or JSON lines. */
import { type Command, Option } from 'commander';
import { existsSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { basename, extname, join, resolve } from 'node:path';
import type { SingleBar } from 'cli-progress';
import { type CellType, charConfig } from '../engine/config';
import { DEFAULT_TRAIN_OPTIONS, resolveOptions, type TrainOptions } from '../engine/options';
import { memoryProblem } from '../engine/params';
import { ONNX_FILE } from '../protocol/model';
import type { TrainProgress, TrainResult } from '../protocol/worker';
import { fmtSec, int, modelDir, num, round, uniqueDir, UsageError, UserError, withTrainingWorker } from './common';

const USAGE = 'seqlab train [options] <files...>   (seqlab train --help for options)';

export interface TrainCliOptions {
  cell?: CellType;
  layers?: number;
  hidden?: number;
  emb?: number;
  batch?: number;
  seq?: number;
  lr?: number;
  dropout?: number;
  steps?: number;
  minutes?: number;
  seed?: number;
  out?: string;
  name?: string;
  resume?: string;
  finetune?: string;
  json?: boolean;
  optimizer?: TrainOptions['optimizer'];
  clip?: number;
  threads?: number;
  valFraction?: number;
  valSplit?: TrainOptions['valSplit'];
  evalEvery?: number;
  patience?: number;
  progress?: boolean;
}

/** The training options the command line asks for, over `defaults` (the demo's). */
function requestedOptions(o: TrainCliOptions, defaults: Partial<TrainOptions>): Partial<TrainOptions> {
  const { cell, layers, hidden, emb, batch, seq, lr, dropout, seed, optimizer, clip, valFraction, valSplit, evalEvery, patience } = o;
  return {
    ...defaults,
    ...{ cell, layers, hidden, emb, batch, seq, lr, dropout, seed, optimizer, clip, valFraction, valSplit, evalEvery, patience },
    // a budget given on the command line replaces the whole budget (`--steps 100` alone means no time limit)
    steps: o.minutes !== undefined && o.steps === undefined ? 0 : (o.steps ?? defaults.steps),
    minutes: o.steps !== undefined && o.minutes === undefined ? 0 : (o.minutes ?? defaults.minutes),
  };
}

export async function train(files: string[], o: TrainCliOptions, defaults: Partial<TrainOptions> = {}): Promise<void> {
  const json = !!o.json;
  if (files.length === 0 && !o.resume) throw new UsageError('give a file or folder to train on (or --resume DIR)', USAGE);
  const resume = o.resume
    ? { from: modelDir(o.resume), mode: 'exact' as const }
    : o.finetune
      ? { from: modelDir(o.finetune), mode: 'finetune' as const }
      : undefined;
  const name = o.name ?? (resume?.mode === 'exact' ? basename(resume.from) : `${basename(files[0] ?? 'model', extname(files[0] ?? ''))}-${o.cell ?? 'lstm'}`);
  const outDir = resume?.mode === 'exact' ? resume.from : uniqueDir(resolve(o.out ?? join('.seqlab', 'models'), name));
  const options = requestedOptions(o, defaults);
  if (!resume) checkTrainOptions(options);
  for (const f of files) if (!existsSync(f)) throw new UserError(`no such file or folder: ${f}`);
  const progress = new ProgressPrinter(json, !json && process.stderr.isTTY && o.progress !== false);
  const t0 = Date.now();
  const r = await withTrainingWorker(
    json,
    (worker) => {
      worker.on('train/progress', (p) => progress.show(p));
      const sources = { files: files.map((f) => resolve(f)) };
      const threads = o.threads ?? Math.max(1, availableParallelism());
      return worker.train({ jobId: name, name, outDir, sources, resume, options, threads }).finally(() => progress.stop());
    },
    () => progress.stop(),
  );
  printResult(r, json, (Date.now() - t0) / 1000);
}

function printResult(r: TrainResult, json: boolean, elapsedSec: number): void {
  if (json) {
    const best = r.bestValLoss === null ? null : round(r.bestValLoss);
    const line = { done: true, model: r.modelDir, onnx: join(r.modelDir, ONNX_FILE), steps: r.steps, best_val_loss: best, status: r.status };
    process.stdout.write(JSON.stringify({ ...line, reason: r.stopReason, elapsed_s: round(elapsedSec, 2) }) + '\n');
    return;
  }
  const bpc = r.bestValLoss === null ? '' : ` (best val loss ${r.bestValLoss.toFixed(4)} nats = ${(r.bestValLoss / Math.LN2).toFixed(3)} bits/char)`;
  process.stderr.write(`${r.stopReason}${bpc}\nmodel: ${r.modelDir}\n`);
}

/** Progress as JSON lines (stdout), a bar (a terminal), or a line every 2 s (a pipe or a log file). */
class ProgressPrinter {
  private bar: SingleBar | null = null;
  private lastLine = 0;
  private readonly cliProgress: typeof import('cli-progress') | null;

  constructor(
    private readonly json: boolean,
    tty: boolean,
  ) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    this.cliProgress = tty ? (require('cli-progress') as typeof import('cli-progress')) : null;
  }

  show(p: TrainProgress): void {
    if (this.json) {
      const line: Record<string, unknown> = { step: p.step, epoch: p.epoch, train_loss: round(p.trainLoss), chars_per_sec: Math.round(p.charsPerSec) };
      Object.assign(line, { elapsed_s: round(p.elapsedSec, 2), grad_norm: round(p.gradNorm), lr: p.lr });
      if (p.valLoss !== undefined) line.val_loss = round(p.valLoss);
      if (p.etaSec !== null) line.eta_s = Math.round(p.etaSec);
      process.stdout.write(JSON.stringify(line) + '\n');
      return;
    }
    const total = p.totalSteps ?? (p.etaSec !== null ? Math.round(p.step + p.etaSec * (p.step / Math.max(p.elapsedSec, 1e-3))) : p.step);
    const payload = {
      loss: p.trainLoss.toFixed(3),
      val: p.valLoss !== undefined ? p.valLoss.toFixed(3) : '--',
      cps: Math.round(p.charsPerSec).toLocaleString('en-US'),
      eta: fmtSec(p.etaSec),
    };
    if (this.cliProgress) {
      if (!this.bar) {
        const format = ' {bar} {percentage}% | step {value}/{total} | loss {loss} | val {val} | {cps} chars/s | ETA {eta}';
        this.bar = new this.cliProgress.SingleBar({ format, hideCursor: true, barsize: 24, etaBuffer: 50 }, this.cliProgress.Presets.shades_classic);
        this.bar.start(Math.max(total, 1), p.step, payload);
      }
      this.bar.setTotal(Math.max(total, p.step));
      this.bar.update(p.step, payload);
    } else if (Date.now() - this.lastLine > 2000 || p.step === total) {
      this.lastLine = Date.now();
      process.stderr.write(`step ${p.step}/${total} loss ${payload.loss} val ${payload.val} ${payload.cps} chars/s ETA ${payload.eta}\n`);
    }
  }

  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}

/**
 * Usage errors (exit 2) before anything is read or created: options out of range, and a model too large for this
 * machine's memory (checked with the smallest vocabulary; the worker checks again with the real one).
 */
function checkTrainOptions(options: Partial<TrainOptions>): void {
  let r: TrainOptions;
  try {
    r = resolveOptions(options);
  } catch (e) {
    throw new UsageError((e as Error).message, USAGE);
  }
  const config = charConfig({ cell: r.cell, layers: r.layers, hidden: r.hidden, emb: r.emb, vocab: 2, dropout: r.dropout });
  const memory = memoryProblem(config, r.batch, r.seq, totalmem());
  if (memory) throw new UsageError(memory, USAGE);
}

export function addTrainCommand(p: Command): void {
  const d = DEFAULT_TRAIN_OPTIONS;
  p.command('train')
    .description('train a character model on text files or folders')
    .argument('[files...]', 'text files or folders')
    .addOption(new Option('--cell <cell>', 'recurrent cell (default lstm)').choices(['lstm', 'gru', 'rnn']))
    .option('--layers <n>', 'layers (1-4)', int('--layers', 1, 4))
    .option('--hidden <n>', `hidden size (default ${d.hidden})`, int('--hidden'))
    .option('--emb <n>', `embedding size (default ${d.emb})`, int('--emb'))
    .option('--batch <n>', `parallel streams (default ${d.batch})`, int('--batch'))
    .option('--seq <n>', `truncated-BPTT length (default ${d.seq})`, int('--seq'))
    .option('--lr <x>', `learning rate (default ${d.lr})`, num('--lr', 1e-9, 100))
    .option('--dropout <x>', 'dropout between layers', num('--dropout', 0, 0.99))
    .addOption(new Option('--optimizer <name>', 'optimizer (default adam)').choices(['adam', 'sgd', 'rmsprop']))
    .option('--clip <x>', 'global gradient-norm clip, 0 = off (default 5)', num('--clip', 0))
    .option('--val-fraction <x>', 'held-out validation share (default 0.1)', num('--val-fraction', 0, 0.9))
    .addOption(
      new Option(
        '--val-split <where>',
        'where validation comes from: the end of the text, or blocks spread over it so every file is trained on (default tail)',
      ).choices(['tail', 'spread']),
    )
    .option('--eval-every <n>', 'validate every N steps (default 100)', int('--eval-every'))
    .option('--patience <n>', 'early stopping after N evaluations without improvement', int('--patience', 0))
    .option('--steps <n>', `training steps (default ${d.steps})`, int('--steps'))
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
}
