/**
 * bench:dynamic — what dynamic evaluation (Krause et al. 2018; src/worker/completion/dynamicEval.ts) would give
 * autocomplete: a C1 model (1×LSTM 128, embedding 64) trains for --minutes on this repository's TypeScript (every
 * 10th file held out, as bench:complete), then reads each held-out file statically and while adapting to it (one SGD
 * step per 64-character segment, weights back to the trained ones for each file), for a few learning rates. It prints
 * the bits/char of both, the gain, and the cost per character; the static pass is the anchor of the same run.
 *   npm run bench:dynamic [-- --minutes 1] [--lrs 0.001,0.003,0.01]
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { StreamBatcher, trainValIds } from '../src/data/batches';
import { Vocab } from '../src/data/vocab';
import { charConfig } from '../src/engine/config';
import { Model } from '../src/engine/model';
import { resolveOptions } from '../src/engine/options';
import { Trainer } from '../src/engine/train';
import { dynamicEval } from '../src/worker/completion/dynamicEval';
import { pickKernels } from '../src/worker/kernels';

const argv = process.argv.slice(2);
const opt = (n: string, d: string) => (argv.includes(`--${n}`) ? argv[argv.indexOf(`--${n}`) + 1]! : d);
const MINUTES = Number(opt('minutes', '1'));
const LRS = opt('lrs', '0.001,0.003,0.01').split(',').map(Number);
const ROOT = process.cwd();

function files(): { train: string; held: string[] } {
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]));
  const all = ['src', 'test', 'bench']
    .flatMap((d) => walk(path.join(ROOT, d)))
    .filter((x) => x.endsWith('.ts'))
    .sort();
  const held = all.filter((_, i) => i % 10 === 5);
  return {
    train: all
      .filter((x) => !held.includes(x))
      .map((x) => readFileSync(x, 'utf8'))
      .join('\n'),
    held: held.map((x) => readFileSync(x, 'utf8')),
  };
}

function main(): void {
  const { train, held } = files();
  const vocab = Vocab.fromText(train + held.join(''));
  const ids = vocab.encode(train);
  const k = pickKernels(() => undefined, 1);
  const config = charConfig({ cell: 'lstm', layers: 1, hidden: 128, emb: 64, vocab: vocab.size });
  const model = new Model(config, { kernels: k });
  const split = trainValIds(ids, 0.05, 'spread');
  const opts = resolveOptions({
    hidden: 128,
    emb: 64,
    batch: 32,
    seq: 64,
    lr: 3e-3,
    clip: 5,
    minutes: MINUTES,
    steps: 0,
    evalEvery: 200,
    sampleChars: 0,
    seed: 1,
  });
  const tr = new Trainer(model, opts, new StreamBatcher(split.train, 0, split.train.length, 32, 64), new StreamBatcher(split.val, 0, split.val.length, 32, 64));
  tr.init();
  const r = tr.run({ now: () => performance.now() });
  model.params.data.set(tr.bestParams);
  const docs = held.map((t) => vocab.encode(t));
  console.log(
    `C1 trained ${r.steps} steps (${MINUTES} min, ${k.name} kernels, 1 thread) on ${ids.length.toLocaleString('en-US')} characters; ${docs.length} held-out files, ${docs.reduce((a, d) => a + d.length, 0).toLocaleString('en-US')} characters`,
  );
  for (const lr of LRS) {
    const e = dynamicEval(model, docs, { lr, seg: 64, clip: 1 });
    console.log(
      `lr ${lr}: static ${e.staticBits.toFixed(3)} bits/char, dynamic ${e.dynamicBits.toFixed(3)} (${(e.dynamicBits - e.staticBits).toFixed(3)}, ${((100 * (e.staticBits - e.dynamicBits)) / e.staticBits).toFixed(1)} % fewer bits); ` +
        `${e.msPerCharStatic.toFixed(3)} ms/char static, ${e.msPerCharDynamic.toFixed(3)} ms/char adapting (${(e.msPerCharDynamic / e.msPerCharStatic).toFixed(1)}x)`,
    );
  }
}

main();
