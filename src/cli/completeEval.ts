/**
 * `seqlab complete-eval <model> <file|dir...> [--json]`: how the model's autocomplete does on held-out text, against
 * the plain LSTM and the model's own 5-gram (worker/completion/completeEval.ts says how it is measured).
 */
import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { trainingFilesOf } from '../data/modelFolder';
import { collectTextFiles, loadCorpus, readTextFileChecked } from '../data/text';
import { Vocab } from '../data/vocab';
import { openInference } from '../onnx/fallback';
import { OnnxModel } from '../onnx/runtime';
import { ONNX_FILE } from '../protocol/model';
import { DEFAULT_COMPLETER_OPTIONS } from '../worker/completion/completer';
import { completeEval, type CompleteEvalResult } from '../worker/completion/completeEval';
import { int, modelDir, num, round, UserError } from './common';

interface CompleteEvalOptions {
  json?: boolean;
  maxChars: number;
  threshold: number;
}

async function completeEvalCmd(model: string, paths: string[], o: CompleteEvalOptions): Promise<void> {
  const dir = modelDir(model);
  const onnxFile = join(dir, ONNX_FILE);
  if (!existsSync(onnxFile)) throw new UserError(`${model} has no ${ONNX_FILE} yet`);
  const { files } = collectTextFiles(paths);
  if (!files.length) throw new UserError(`no text files in ${paths.join(', ')}`);
  const text = [...files.map((f) => readTextFileChecked(f)).join('\n')].slice(0, o.maxChars).join('');
  const bytes = readFileSync(onnxFile);
  const onnx = await OnnxModel.load(bytes, { name: model });
  const handle = await openInference(bytes, { name: model });
  try {
    if (onnx.signature.kind !== 'char' || !onnx.info.vocab) throw new UserError('complete-eval needs a character model with a vocabulary');
    const vocab = Vocab.fromJSON(onnx.info.vocab);
    const train = loadCorpus(
      trainingFilesOf(dir, () => new UserError(`the text the model was trained on is not on this machine: the n-gram of the mixture needs it`)),
      { vocab },
    );
    const r = await completeEval({ model: handle, onnx, vocab, text, trainIds: train.ids, options: { ...DEFAULT_COMPLETER_OPTIONS, threshold: o.threshold } });
    process.stdout.write(o.json ? JSON.stringify(rounded(r)) + '\n' : table(r));
  } finally {
    await handle.dispose();
    await onnx.dispose();
  }
}

function rounded(r: CompleteEvalResult): CompleteEvalResult {
  const each = (f: Record<string, number>) => Object.fromEntries(Object.entries(f).map(([k, v]) => [k, round(v, 4)]));
  const c = r.completers;
  return {
    ...r,
    gate: { ...r.gate, theta: r.gate.theta.map((x) => round(x, 4)) },
    completers: { product: each({ ...c.product }), lstm: each({ ...c.lstm }), ngram: each({ ...c.ngram }) },
  } as unknown as CompleteEvalResult;
}

function table(r: CompleteEvalResult): string {
  const head = ['completer', 'bits/char', 'top-1', 'proxy', 'saved/100', 'p50 ms', 'p95 ms'];
  const rows = Object.entries(r.completers).map(([name, f]) => [
    name,
    f.bits_per_char.toFixed(3),
    `${(100 * f.top1).toFixed(1)}%`,
    `${(100 * f.proxy).toFixed(1)}%`,
    f.saved_per_100.toFixed(1),
    f.latency_p50_ms.toFixed(1),
    f.latency_p95_ms.toFixed(1),
  ]);
  const w = head.map((_, i) => Math.max(...[head, ...rows].map((x) => x[i]!.length)));
  const line = (x: string[]) => x.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ');
  const v = r.gate.validation;
  const gate = `mixture gate on the training text's last ${v.chars.toLocaleString('en-US')} characters: ${v.gate.toFixed(3)} bits/char (one fixed weight ${r.gate.fixedWeight.toFixed(2)}: ${v.fixed.toFixed(3)}; LSTM alone ${v.lstm.toFixed(3)}; 5-gram alone ${v.ngram.toFixed(3)})`;
  return `${r.chars.toLocaleString('en-US')} characters typed through, ${r.positions.toLocaleString('en-US')} suggestions asked for (product)\n${[line(head), ...rows.map(line)].join('\n')}\n${gate}\n`;
}

export function addCompleteEvalCommand(p: Command): void {
  p.command('complete-eval')
    .description(
      "simulate typing through held-out text: the editor's completer, the plain LSTM and the model's 5-gram, on bits/char, top-1, first-word proxy, characters saved and latency",
    )
    .argument('<model>', 'model folder')
    .argument('<files...>', 'held-out text files or folders')
    .option('--json', 'print one JSON object: {"completers": {"product": {...}, "lstm": {...}, "ngram": {...}}}')
    .option('--max-chars <n>', 'type through at most this many characters (default 5000)', int('--max-chars', 100), 5000)
    .option('--threshold <x>', 'the confidence threshold of the product (default 0.5, as the setting)', num('--threshold', 0, 1), 0.5)
    .action((model: string, files: string[], o: CompleteEvalOptions) => completeEvalCmd(model, files, o));
}
