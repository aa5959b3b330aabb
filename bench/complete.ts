/**
 * Autocomplete benchmark (a script that prints figures, not a test):
 *   npm run bench:complete  [-- --minutes 3] [--retrain] [--quick] [--sizes c1,m2] [--threads N] [--corpora typescript,tsrepo,shakespeare] [--steps N] [--dropout X] [--val F] [--val-split tail|spread]
 *
 * For a C1-size model (1×LSTM 128, embedding 64) and the "medium" preset M2 (2×LSTM 256, embedding 64, dropout 0.1),
 * on three corpora: TypeScript declarations (TypeScript's own lib.*.d.ts: the ES files train, three files of other
 * APIs test), the TypeScript source of this repository (every 10th file held out), and tinyshakespeare (first 90%
 * train, last 10% test):
 *   training   the engine (fast kernels, --threads, default all cores) trains each model for --minutes (default 3),
 *              Adam with lr 3e-3 decayed ×0.85 every 1000 steps, cached in artifacts/bench-complete/models (use
 *              --retrain to train again); exported to ONNX like every model
 *   quality    next-char top-1 accuracy and bits/char on the held-out text (src/engine/evaluate.ts), against a
 *              character 5-gram with interpolated absolute discounting (src/engine/ngram.ts) trained on the same
 *              characters as the LSTM: the training text less the slice the LSTM holds out for validation (--val,
 *              default 0.05, the last 5% of the training text; --val 0 trains on all of it, no early stopping). With
 *              --val > 0 a second 5-gram row is trained on all the training text, the validation slice included
 *   proxy      the acceptance proxy: at random held-out positions, the share where the FIRST WORD of the suggestion
 *              equals the real next word (unshown suggestions count as misses), for the LSTM through the provider's
 *              Completer and for the 5-gram decoded the same way (greedy, same confidence rule, end of line)
 *   completers the three completers of `seqlab complete-eval` (the LSTM + 5-gram mixture, the plain LSTM, the 5-gram)
 *              typed through the first --ce-chars held-out characters: bits/char, top-1, first-word proxy, characters
 *              saved per 100 typed, latency; and the saved ratio against the 5-gram (the goal is 1.5x)
 *   latency    Completer.complete() from call to suggestion (what the provider awaits after its debounce) through
 *              onnxruntime-node, 512-character context: cold (new document) and warm (typing, one call per
 *              keystroke), greedy and beam 3
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StreamBatcher, trainValIds } from '../src/data/batches';
import { Vocab } from '../src/data/vocab';
import { charConfig } from '../src/engine/config';
import { evaluateIds } from '../src/engine/evaluate';
import { fastKernels } from '../src/engine/kernels-wasm';
import { Model } from '../src/engine/model';
import { CharNgram } from '../src/engine/ngram';
import { resolveOptions } from '../src/engine/options';
import { Rng } from '../src/engine/rng';
import { Trainer } from '../src/engine/train';
import { Completer, type CompleterOptions, DEFAULT_COMPLETER_OPTIONS } from '../src/worker/completion/completer';
import { pickKernels, releaseKernels } from '../src/worker/kernels';
import { firstWord } from '../src/worker/completion/confidence';
import { completeEval, ngramSuggest, realWordAt } from '../src/worker/completion/completeEval';
import { OnnxModel } from '../src/onnx/runtime';
import { exportOnnx } from '../src/onnx/export';
import { openInference, paramsFromOnnx } from '../src/onnx/fallback';

const argv = process.argv.slice(2);
const flag = (n: string) => argv.includes(`--${n}`);
const opt = (n: string, d: number) => {
  const i = argv.indexOf(`--${n}`);
  return i >= 0 ? Number(argv[i + 1]) : d;
};
const quick = flag('quick');
const MINUTES = opt('minutes', quick ? 0.5 : 3);
/** a fixed number of training steps instead of --minutes (the same model whatever the machine's load) */
const STEPS = opt('steps', 0);
const POSITIONS = opt('positions', quick ? 60 : 300);
const THRESHOLD = opt('threshold', 0.5);
const ROOT = process.cwd();
const OUT = path.join(ROOT, 'artifacts', 'bench-complete'); // gitignored
const WINDOW = 512;
/** characters typed through by the complete-eval section (--ce-chars) */
const CE_CHARS = opt('ce-chars', quick ? 1500 : 5000);
const THREADS = opt('threads', os.cpus().length);
/** --dropout X overrides the sizes' dropout (part of the cache key) */
const DROPOUT = opt('dropout', -1);
/** --val F: the LSTM's validation fraction (the last F of the training text; 0: none, train on all, keep the last step) */
const VAL = opt('val', 0.05);
/** --val-split spread: the validation slice is blocks spread over the training text (as autocomplete training does) */
const SPREAD = argv.includes('--val-split') && argv[argv.indexOf('--val-split') + 1] === 'spread';
interface SizeSpec {
  key: string;
  label: string;
  layers: number;
  hidden: number;
  dropout: number;
}
const SIZES: SizeSpec[] = [
  { key: 'c1', label: 'C1 = 1×LSTM 128', layers: 1, hidden: 128, dropout: 0 },
  { key: 'm2', label: 'M2 = 2×LSTM 256, dropout 0.1', layers: 2, hidden: 256, dropout: 0.1 },
]
  .filter((z) => (argv.includes('--sizes') ? argv[argv.indexOf('--sizes') + 1]!.split(',') : ['c1', 'm2']).includes(z.key))
  .map((z) =>
    DROPOUT >= 0 && DROPOUT !== z.dropout
      ? { ...z, key: `${z.key}d${DROPOUT}`, label: `${z.label.replace(/, dropout [\d.]+$/, '')}, dropout ${DROPOUT}`, dropout: DROPOUT }
      : z,
  )
  .map((z) =>
    VAL !== 0.05
      ? { ...z, key: `${z.key}v${VAL}`, label: `${z.label}, ${VAL ? `last ${VAL * 100}% of the training text for validation` : 'no validation split'}` }
      : z,
  )
  .map((z) => (SPREAD && VAL > 0 ? { ...z, key: `${z.key}s`, label: `${z.label}, validation ${VAL * 100}% in blocks spread over the training text` } : z));

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]!;
};
const f = (x: number, d = 2) => x.toFixed(d);

interface CorpusSpec {
  key: string;
  name: string;
  train: string;
  test: string;
}
const CORPORA = argv.includes('--corpora') ? argv[argv.indexOf('--corpora') + 1]!.split(',') : ['typescript', 'tsrepo', 'shakespeare'];

function corpora(): CorpusSpec[] {
  const lib = path.dirname(require.resolve('typescript/lib/lib.d.ts', { paths: [ROOT] }));
  const all = readdirSync(lib)
    .filter((x) => /^lib\..*\.d\.ts$/.test(x))
    .sort();
  const held = ['lib.scripthost.d.ts', 'lib.webworker.iterable.d.ts', 'lib.dom.iterable.d.ts'];
  const train = all.filter((x) => /^lib\.(es5|es20\d\d\.[a-z.]+|esnext\.[a-z.]+|decorators(\.legacy)?)\.d\.ts$/.test(x) && !held.includes(x));
  const cat = (xs: string[]) => xs.map((x) => readFileSync(path.join(lib, x), 'utf8')).join('\n');
  const out: CorpusSpec[] = [
    {
      key: 'typescript',
      name: `TypeScript lib .d.ts (${train.length} files train, ${held.length} held out: other APIs than the training files)`,
      train: cat(train),
      test: cat(held),
    },
  ];
  // this repository's own TypeScript (src, test, bench): every 10th file by path is held out, the way a user trains on
  // a workspace and then writes in another file of it (files with characters outside the BMP stay in training)
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]));
  const repo = ['src', 'test', 'bench']
    .flatMap((d) => walk(path.join(ROOT, d)))
    .filter((x) => x.endsWith('.ts'))
    .sort();
  const bmp = (x: string) => !/[\u{10000}-\u{10FFFF}]/u.test(readFileSync(x, 'utf8'));
  const repoHeld = repo.filter((x, i) => i % 10 === 5 && bmp(x));
  const repoTrain = repo.filter((x) => !repoHeld.includes(x));
  const readAll = (xs: string[]) => xs.map((x) => readFileSync(x, 'utf8')).join('\n');
  out.push({
    key: 'tsrepo',
    name: `TypeScript source of this repository (${repoTrain.length} files train, ${repoHeld.length} held out)`,
    train: readAll(repoTrain),
    test: readAll(repoHeld),
  });
  const shake = [path.join(ROOT, '..', 'shared', 'data', 'tinyshakespeare.txt'), '/work/shared/data/tinyshakespeare.txt'].find((p) => existsSync(p));
  if (shake) {
    const s = readFileSync(shake, 'utf8');
    const cut = s.indexOf('\n', Math.floor(s.length * 0.9)) + 1;
    out.push({ key: 'shakespeare', name: 'tinyshakespeare (90% train, last 10% held out)', train: s.slice(0, cut), test: s.slice(cut) });
  } else console.log('tinyshakespeare.txt not found (../shared/data/): skipped');
  return out.filter((c) => CORPORA.includes(c.key));
}

/** what a cached model must have been trained with to be reused */
const specOf = (z: SizeSpec) =>
  JSON.stringify({
    ...z,
    ...(STEPS > 0 ? { steps: STEPS } : { minutes: MINUTES }),
    lr: 3e-3,
    lrDecay: 0.85,
    lrDecayEvery: 1000,
    B: 32,
    T: 64,
    ...(VAL !== 0.05 ? { val: VAL } : {}),
    ...(SPREAD ? { spread: true } : {}),
  });

/** the characters the LSTM trains on and validates on (--val, --val-split) */
const lstmSplit = (ids: Int32Array) => trainValIds(ids, VAL, SPREAD ? 'spread' : 'tail');

/** Train (or load the cached) model of one size for a corpus; returns the ONNX bytes. */
function trainedModel(key: string, z: SizeSpec, vocab: Vocab, trainIds: Int32Array): { bytes: Uint8Array; info: string } {
  const dir = path.join(OUT, 'models', key);
  const file = path.join(dir, 'model.onnx');
  const metaFile = path.join(dir, 'bench.json');
  if (!flag('retrain') && existsSync(file) && existsSync(metaFile)) {
    const meta = JSON.parse(readFileSync(metaFile, 'utf8'));
    if (meta.vocab === vocab.size && meta.spec === specOf(z)) return { bytes: readFileSync(file), info: `${meta.info} (cached; --retrain to train again)` };
  }
  const k = pickKernels(() => undefined, THREADS);
  const config = charConfig({ cell: 'lstm', layers: z.layers, hidden: z.hidden, emb: 64, vocab: vocab.size, dropout: z.dropout });
  const model = new Model(config, { kernels: k });
  const B = 32,
    T = 64;
  const opts = resolveOptions({
    cell: 'lstm',
    layers: z.layers,
    hidden: z.hidden,
    emb: 64,
    dropout: z.dropout,
    batch: B,
    seq: T,
    lr: 3e-3,
    lrDecay: 0.85,
    lrDecayEvery: 1000,
    clip: 5,
    steps: STEPS,
    minutes: STEPS > 0 ? 0 : MINUTES,
    evalEvery: 100,
    evalBatches: 16,
    sampleChars: 0,
    seed: 1,
    valFraction: VAL,
  });
  const split = lstmSplit(trainIds);
  const tr = new Trainer(
    model,
    opts,
    new StreamBatcher(split.train, 0, split.train.length, B, T),
    VAL > 0 ? new StreamBatcher(split.val, 0, split.val.length, B, T) : null,
  );
  tr.init();
  const t0 = performance.now();
  const r = tr.run({ now: () => performance.now() });
  const sec = (performance.now() - t0) / 1000;
  const bytes = exportOnnx(config, tr.bestParams, { vocab: vocab.codePoints });
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, bytes);
  const info = `${r.steps} steps × ${B * T} chars in ${f(sec, 0)} s (${f((r.steps * B * T) / sec, 0)} chars/s, ${k.name} kernels, ${THREADS} thread${THREADS > 1 ? 's' : ''}), best val ${r.bestValLoss === null ? '-' : f(r.bestValLoss / Math.LN2, 3)} bits/char`;
  writeFileSync(metaFile, JSON.stringify({ info, vocab: vocab.size, steps: r.steps, sec, spec: specOf(z) }, null, 2));
  return { bytes, info };
}

async function main(): Promise<void> {
  console.log(
    `autocomplete benchmark on ${os.cpus()[0]?.model ?? 'cpu'} (${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(1)}), ${SIZES.map((z) => z.label).join('; ')}; embedding 64; context ${WINDOW} chars; threshold ${THRESHOLD}${quick ? ' (quick)' : ''}`,
  );
  const rows: string[] = [];
  for (const c of corpora()) {
    console.log(`\n== ${c.name}: ${c.train.length.toLocaleString('en-US')} train / ${c.test.length.toLocaleString('en-US')} held-out characters`);
    const vocab = Vocab.fromText(c.train);
    const trainIds = vocab.encode(c.train),
      testIds = vocab.encode(c.test);
    const corpusKey = c.key;
    const testChars = [...c.test];
    if (testChars.length !== c.test.length) throw new Error('held-out text has characters outside the BMP: offsets differ');
    const src = (cursor: number) => ({ cursor, read: (a: number, b: number) => c.test.slice(a, b) });
    const opts: CompleterOptions = { ...DEFAULT_COMPLETER_OPTIONS, window: WINDOW, maxChars: 40, threshold: THRESHOLD };

    // the anchor: a character 5-gram on the characters the LSTM trains on, and its acceptance proxy at the same positions
    const positions: number[] = [];
    {
      const rng = new Rng(7);
      for (let i = 0; i < POSITIONS; i++) positions.push(WINDOW + rng.int(c.test.length - WINDOW - 1));
    }
    const anchor = (ids: Int32Array) => {
      const ng = new CharNgram(vocab.size, 5);
      ng.train(ids);
      const ev = ng.evaluate(testIds);
      let shown = 0,
        hit = 0;
      for (const p of positions) {
        const real = realWordAt(testChars, p);
        const s = ngramSuggest(ng, vocab, Array.from(testIds.subarray(Math.max(0, p - 8), p)), opts);
        if (s) {
          shown++;
          if (firstWord(s) === real && real.trim()) hit++;
        }
      }
      return { ...ev, shown, hit };
    };
    const tn = performance.now();
    const lstmTrain = lstmSplit(trainIds).train,
      lstmChars = lstmTrain.length;
    const base = anchor(lstmTrain);
    const withVal = VAL > 0 ? anchor(trainIds) : null;
    console.log(
      `5-gram${withVal ? 's' : ''}: trained and evaluated in ${f((performance.now() - tn) / 1000, 1)} s; the LSTM trains on ${lstmChars.toLocaleString('en-US')} characters${VAL > 0 ? ` and validates on ${(trainIds.length - lstmChars).toLocaleString('en-US')} (${SPREAD ? 'blocks spread over the text' : 'the last ones'})` : ''}`,
    );
    const { hit: nHit } = base;

    const P = POSITIONS;
    const line = (name: string, bpc: number, acc: number, hit: number, shown: number) =>
      `  ${name.padEnd(30)} ${f(bpc, 3).padStart(9)} ${(f(100 * acc, 1) + '%').padStart(7)}   ${(f((100 * hit) / P, 1) + '%').padStart(24)}  ${(f((100 * shown) / P, 0) + '%').padStart(6)}  ${(shown ? f((100 * hit) / shown, 1) + '%' : '-').padStart(9)}`;
    const quality: string[] = [line('char 5-gram, same characters', base.bpc, base.accuracy, base.hit, base.shown)];
    if (withVal) quality.push(line('char 5-gram, + LSTM val slice', withVal.bpc, withVal.accuracy, withVal.hit, withVal.shown));
    const verdicts: string[] = [];
    const latency: string[] = [];
    const completers: string[] = [];
    for (const z of SIZES) {
      const key = `${z.key}-${corpusKey}`;
      const t0 = performance.now();
      const { bytes, info } = trainedModel(key, z, vocab, trainIds);
      console.log(`LSTM ${z.label}: ${info} [${f((performance.now() - t0) / 1000, 0)} s]`);

      // quality: bits/char and top-1 on held-out text
      const { config, params } = paramsFromOnnx(bytes);
      const model = new Model(config, { params, kernels: fastKernels(() => undefined) });
      const lstm = evaluateIds(model, testIds);

      // acceptance proxy, through the provider's Completer
      const handle = await openInference(bytes, { name: key });
      const completer = new Completer(handle, opts);
      let lShown = 0,
        lHit = 0,
        lSaved = 0;
      for (const [i, p] of positions.entries()) {
        const real = realWordAt(testChars, p);
        const r = await completer.complete(`proxy-${i}`, src(p));
        if (r?.text) {
          lShown++;
          if (firstWord(r.text) === real && real.trim()) {
            lHit++;
            lSaved += firstWord(r.text).length;
          }
        }
        completer.invalidate(`proxy-${i}`);
      }
      const rng = new Rng(11);

      // latency: cold (new document each time) and warm (typing), greedy and beam 3
      const lat = async (beam: number) => {
        completer.setOptions({ beamWidth: beam });
        const cold: number[] = [],
          warm: number[] = [],
          coldCpu: number[] = [],
          warmCpu: number[] = [];
        let through = 0;
        const warmModel: number[] = [],
          warmModelCpu: number[] = [];
        const cpuMs = (c0: NodeJS.CpuUsage) => {
          const d = process.cpuUsage(c0);
          return (d.user + d.system) / 1000;
        };
        for (let i = 0; i < (quick ? 15 : 50); i++) {
          const p = WINDOW + rng.int(c.test.length - WINDOW - 300);
          const t = performance.now(),
            c0 = process.cpuUsage();
          await completer.complete(`cold-${beam}-${i}`, src(p));
          cold.push(performance.now() - t);
          coldCpu.push(cpuMs(c0));
          completer.invalidate(`cold-${beam}-${i}`);
        }
        for (let run = 0; run < (quick ? 2 : 5); run++) {
          const p = WINDOW + rng.int(c.test.length - WINDOW - 300);
          const k = `typing-${beam}-${run}`;
          await completer.complete(k, src(p));
          for (let j = 1; j <= (quick ? 40 : 100); j++) {
            const t = performance.now(),
              c0 = process.cpuUsage();
            const r = await completer.complete(k, src(p + j));
            warm.push(performance.now() - t);
            warmCpu.push(cpuMs(c0));
            if (r && !r.cold && r.ran === 0) through++;
            else {
              warmModel.push(warm[warm.length - 1]!);
              warmModelCpu.push(warmCpu[warmCpu.length - 1]!);
            }
          }
        }
        return { cold, warm, through, coldCpu, warmCpu, warmModel, warmModelCpu };
      };
      await lat(1); // warm-up (JIT, onnxruntime arenas)
      const g = await lat(1),
        b3 = await lat(3);
      // the three completers of `seqlab complete-eval`, typed through the held-out text: the mixture, the LSTM, the 5-gram
      const ort = await OnnxModel.load(bytes, { name: key });
      const ce = await completeEval({ model: handle, onnx: ort, vocab, text: c.test.slice(0, CE_CHARS), trainIds, options: opts });
      await ort.dispose();
      for (const [name, x] of Object.entries(ce.completers)) {
        completers.push(
          `  ${`${z.key.toUpperCase()} ${name}`.padEnd(14)} ${f(x.bits_per_char, 3).padStart(9)} ${(f(100 * x.top1, 1) + '%').padStart(7)} ${(f(100 * x.proxy, 1) + '%').padStart(7)} ${f(x.saved_per_100, 1).padStart(9)} ${f(x.latency_p50_ms, 2).padStart(7)} ${f(x.latency_p95_ms, 2).padStart(7)}`,
        );
      }
      const ratio = ce.completers.product.saved_per_100 / Math.max(1e-9, ce.completers.ngram.saved_per_100);
      completers.push(
        `  ${z.key.toUpperCase()} gate on the training tail ${f(ce.gate.validation.gate, 3)} bits/char vs one fixed weight ${f(ce.gate.validation.fixed, 3)}; saved/100 ${f(ratio, 2)}x the 5-gram's (goal 1.5x)`,
      );
      await handle.dispose();

      quality.push(line(`LSTM ${z.key.toUpperCase()} (onnxruntime)`, lstm.bpc, lstm.accuracy, lHit, lShown));
      const verdict = (better: boolean) => (better ? 'better' : 'WORSE');
      const vs = (what: string, o: typeof base) =>
        `  LSTM ${z.key.toUpperCase()} vs ${what} on held-out text: ${f(lstm.bpc - o.bpc, 3)} bits/char (${verdict(lstm.bpc < o.bpc)}), ${f(100 * (lstm.accuracy - o.accuracy), 1)} points top-1 (${verdict(lstm.accuracy > o.accuracy)}), ${f((100 * (lHit - o.hit)) / P, 1)} points proxy (${verdict(lHit > o.hit)})`;
      verdicts.push(`${vs('the 5-gram of the same characters', base)}; ${lSaved} characters of first words matched`);
      if (withVal) verdicts.push(vs("the 5-gram that also saw the LSTM's validation slice", withVal));
      const lr = (name: string, xs: number[], cpu: number[], note = '') =>
        `  ${name.padEnd(30)} p50 ${f(pct(xs, 0.5)).padStart(6)}  p95 ${f(pct(xs, 0.95)).padStart(6)}   cpu p50 ${f(pct(cpu, 0.5)).padStart(6)}  p95 ${f(pct(cpu, 0.95)).padStart(6)}  (n=${xs.length})${note}`;
      const Z = z.key.toUpperCase();
      latency.push(
        lr(`${Z} cold, greedy`, g.cold, g.coldCpu),
        lr(
          `${Z} warm (typing), greedy`,
          g.warm,
          g.warmCpu,
          `, ${f((100 * g.through) / g.warm.length, 0)}% answered by typing through the previous suggestion (no model call)`,
        ),
        lr(`${Z}   of which ran the model`, g.warmModel, g.warmModelCpu),
        lr(`${Z} cold, beam 3`, b3.cold, b3.coldCpu),
        lr(`${Z} warm (typing), beam 3`, b3.warm, b3.warmCpu),
        `  ${Z} warm p95 goal ≤ 10 ms: ${pct(g.warm, 0.95) <= 10 ? 'met' : 'NOT met'} (greedy)`,
      );
      rows.push(
        `${key}: LSTM ${f(lstm.bpc, 3)} bpc / ${f(100 * lstm.accuracy, 1)}% top-1 / proxy ${f((100 * lHit) / P, 1)}%; 5-gram ${f(base.bpc, 3)} / ${f(100 * base.accuracy, 1)}% / ${f((100 * nHit) / P, 1)}%${withVal ? ` (with the val slice ${f(withVal.bpc, 3)} / ${f(100 * withVal.accuracy, 1)}% / ${f((100 * withVal.hit) / P, 1)}%)` : ''}; greedy warm p50/p95 ${f(pct(g.warm, 0.5))}/${f(pct(g.warm, 0.95))} ms (cpu ${f(pct(g.warmCpu, 0.5))}/${f(pct(g.warmCpu, 0.95))}; keystrokes that ran the model ${f(pct(g.warmModel, 0.5))}/${f(pct(g.warmModel, 0.95))}), cold ${f(pct(g.cold, 0.5))}/${f(pct(g.cold, 0.95))} ms (cpu ${f(pct(g.coldCpu, 0.5))}/${f(pct(g.coldCpu, 0.95))})`,
      );
    }
    console.log(`quality on held-out text (${(testIds.length - 1).toLocaleString('en-US')} characters; proxy over ${P} positions):`);
    console.log(
      `  ${'model'.padEnd(30)} ${'bits/char'.padStart(9)} ${'top-1'.padStart(7)}   ${'proxy: first word = real'.padStart(24)}  ${'shown'.padStart(6)}  ${'precision'.padStart(9)}`,
    );
    for (const q of quality) console.log(q);
    for (const v of verdicts) console.log(v);
    console.log(
      `latency, Completer call → suggestion, onnxruntime-node, ${WINDOW}-char context (ms; wall clock, then the process CPU time of the same calls; load average now ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores):`,
    );
    for (const l of latency) console.log(l);
    console.log(`completers typed through the first ${CE_CHARS.toLocaleString('en-US')} held-out characters (seqlab complete-eval):`);
    console.log(
      `  ${'completer'.padEnd(14)} ${'bits/char'.padStart(9)} ${'top-1'.padStart(7)} ${'proxy'.padStart(7)} ${'saved/100'.padStart(9)} ${'p50 ms'.padStart(7)} ${'p95 ms'.padStart(7)}`,
    );
    for (const l of completers) console.log(l);
  }
  releaseKernels();
  console.log('\nsummary');
  for (const r of rows) console.log('  ' + r);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
