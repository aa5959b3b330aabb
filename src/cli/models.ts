/** The commands on a trained model: sample, export, import, export-pytorch, info, eval. */
import { type Command, Option } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { readCard } from '../data/card';
import { writeFileAtomic } from '../data/atomic';
import { readCheckpoint } from '../data/modelFolder';
import { effectiveStatus } from '../data/runLock';
import { loadCorpus } from '../data/text';
import { Vocab } from '../data/vocab';
import { evaluateOnnx } from '../onnx/evaluate';
import type { EngineChoice } from '../onnx/fallback';
import { exportModelFolder, importOnnxFile, sampleModelFolder } from '../onnx/models';
import { OnnxModel } from '../onnx/runtime';
import { CHECKPOINT_FILE, ONNX_FILE } from '../protocol/model';
import { pytorchScript, readTemplate, recipeFrom } from '../worker/pytorchScript';
import { fmtSec, int, modelDir, num, round, UserError } from './common';

interface SampleCliOptions {
  prime?: string;
  length: number;
  temperature?: number;
  topK?: number;
  topP?: number;
  greedy?: boolean;
  seed: number;
  engine: string;
  stop?: string[];
}

export async function sample(model: string, o: SampleCliOptions): Promise<void> {
  const dir = modelDir(model);
  const r = await sampleModelFolder(dir, {
    prime: o.prime ?? '',
    length: o.length,
    temperature: o.temperature,
    topK: o.topK,
    topP: o.topP,
    greedy: o.greedy,
    seed: o.seed,
    stop: o.stop,
    engine: o.engine as EngineChoice,
    warn: (m) => process.stderr.write(`warning: ${m}\n`),
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
  process.stdout.write(
    `exported ${r.out} (${r.bytes.toLocaleString('en-US')} bytes); onnxruntime agrees with the engine to ${r.parity.maxDiff.toExponential(1)}\n`,
  );
}

async function importCmd(file: string, o: { vocab?: string; name?: string; out: string; json?: boolean }): Promise<void> {
  const r = await importOnnxFile(resolve(file), { modelsDir: resolve(o.out), name: o.name, vocabFile: o.vocab ? resolve(o.vocab) : undefined });
  if (o.json) {
    process.stdout.write(JSON.stringify({ model: r.dir, vocab: r.card.vocabSize, trainable: r.trainable, not_trainable: r.notTrainable, card: r.card }) + '\n');
    return;
  }
  const more = r.trainable
    ? r.card.config.kind === 'regression'
      ? `; it can be trained further (seqlab forecast train --resume ${r.dir})`
      : '; it can be trained further (seqlab train --finetune)'
    : r.notTrainable
      ? `; ${r.notTrainable}, so it runs but cannot be trained further here`
      : '';
  const c = r.card.config;
  const what = c.kind === 'regression' ? `a forecaster: ${c.features} columns → ${c.outputs} outputs` : `${r.card.vocabSize}-character vocabulary`;
  process.stdout.write(`imported ${file} as ${r.dir} (${what}${more})\n`);
}

function exportPytorchCmd(source: string, o: { out: string; force?: boolean }): void {
  const recipe = recipeFrom(resolve(source));
  const out = resolve(o.out);
  if (existsSync(out) && statSync(out).isDirectory()) throw new UserError(`${o.out} is a folder; give the script's file name (-o train.py)`);
  if (existsSync(out) && !o.force) throw new UserError(`${o.out} exists; choose another name, or --force to overwrite it`);
  writeFileAtomic(out, pytorchScript(recipe, readTemplate()));
  const c = recipe.options;
  process.stdout.write(
    `wrote ${o.out}: ${c.cell.toUpperCase()} ${c.layers}×${c.hidden} on ${recipe.files.length} path(s), ${c.steps || '∞'} steps` +
      `${c.minutes ? `, ${c.minutes} min` : ''}. Run it with: torchrun --standalone --nproc_per_node=N ${o.out}   (or python ${o.out})\n`,
  );
}

function info(model: string, o: { json?: boolean }): void {
  const dir = modelDir(model);
  const card = readCard(dir);
  // a card that says 'training' while no process runs it is a run that died (killed, crashed): 'interrupted'
  const status = effectiveStatus(dir, card);
  const checkpoint = existsSync(join(dir, CHECKPOINT_FILE)) ? readCheckpoint(dir) : null;
  if (o.json) {
    process.stdout.write(JSON.stringify({ ...card, status }, null, 2) + '\n');
    return;
  }
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
    if (m.signature.kind !== 'char' || !m.info.vocab)
      throw new UserError('eval needs a character model with a vocabulary (a forecaster is scored by `seqlab forecast train`)');
    const corpus = loadCorpus([file], { vocab: Vocab.fromJSON(m.info.vocab), markUnknown: true });
    if (corpus.chars < 2) throw new UserError(`${file} is too short to evaluate`);
    const t0 = performance.now();
    const r = await evaluateOnnx(m, corpus.ids, corpus.unknownMask);
    const seconds = (performance.now() - t0) / 1000;
    if (r.chars === 0)
      throw new UserError(
        `${file}: none of its ${corpus.chars.toLocaleString('en-US')} characters is in the model's ${m.vocabSize}-character vocabulary; nothing to score`,
      );
    const cps = Math.round((r.chars + r.unknown) / seconds);
    if (o.json) {
      process.stdout.write(
        JSON.stringify({
          file,
          chars: r.chars,
          loss: round(r.loss),
          bpc: round(r.bpc),
          top1: round(r.accuracy),
          unknown_chars: r.unknown,
          unknown_sample: corpus.unknownSample ?? [],
          chars_per_sec: cps,
        }) + '\n',
      );
      return;
    }
    const unk = r.unknown
      ? `; ${r.unknown.toLocaleString('en-US')} characters outside the vocabulary were not scored (${(corpus.unknownSample ?? [])
          .slice(0, 8)
          .map((c) => JSON.stringify(c))
          .join(' ')})`
      : '';
    process.stdout.write(
      `${file}: ${r.chars.toLocaleString('en-US')} characters scored, loss ${r.loss.toFixed(4)} nats/char = ${r.bpc.toFixed(3)} bits/char, next-char top-1 accuracy ${(100 * r.accuracy).toFixed(2)}%${unk} [${cps.toLocaleString('en-US')} chars/s]\n`,
    );
  } finally {
    await m.dispose();
  }
}

export function addModelCommands(p: Command): void {
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
  p.command('export')
    .description('export a model to a standalone ONNX file (checked against onnxruntime)')
    .argument('<model>', 'model folder')
    .argument('<out.onnx>', 'output file')
    .action((model: string, out: string) => exportCmd(model, out));
  p.command('import')
    .description('import an ONNX character model trained elsewhere (e.g. PyTorch nn.LSTM via torch.onnx.export)')
    .argument('<file.onnx>', 'ONNX file')
    .option('--vocab <file>', 'vocabulary: a JSON list of characters or code points, or a text file whose characters define it')
    .option('--name <name>', 'model name')
    .option('--out <dir>', 'folder for model folders', '.seqlab/models')
    .option('--json', 'print JSON')
    .action((file: string, o: { vocab?: string; name?: string; out: string; json?: boolean }) => importCmd(file, o));
  p.command('export-pytorch')
    .description('write a PyTorch training script (DDP under torchrun) for a recipe or a model, which exports an ONNX file seqlab import reads')
    .argument('<recipe|model>', 'a *.seqlab.json recipe or a model folder')
    .requiredOption('-o, --out <train.py>', 'the script to write')
    .option('--force', 'overwrite the script if it exists')
    .action((source: string, o: { out: string; force?: boolean }) => exportPytorchCmd(source, o));
  p.command('info')
    .description('describe a model')
    .argument('<model>', 'model folder')
    .option('--json', 'print the model card as JSON')
    .action((model: string, o: { json?: boolean }) => info(model, o));
  p.command('eval')
    .description('loss and next-character top-1 accuracy on a held-out file (characters outside the vocabulary are counted, not scored)')
    .argument('<model>', 'model folder')
    .argument('<file>', 'text file')
    .option('--json', 'print JSON')
    .option('--threads <n>', 'onnxruntime threads (default: all cores)', int('--threads'))
    .action((model: string, file: string, o: { json?: boolean; threads?: number }) => evalCmd(model, file, o));
}
