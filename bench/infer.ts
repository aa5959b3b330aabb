/**
 * Inference benchmark (a script that prints figures, not a test):  npm run bench:infer  [-- --quick]
 *
 * For C1 (1×LSTM 128, E=64) and C2 (2×LSTM 256, E=64), V=65, random weights, one thread everywhere:
 *   step      single-step latency p50/p95 (one token in, logits out, state carried)
 *   cold      the autocomplete path: prime 256 characters in one call, then 32 greedy characters (greedyDecode: for
 *             onnxruntime ONE run of the greedy graph, src/onnx/greedy.ts); p50/p95 per completion
 *   stepped   the same with one run per greedy character (1 + 31 runs), as before the greedy graph
 *   typed     after typing one more character, with the PrefixCache (runs 1 new char, then 32 greedy as in cold)
 *   beam      typed, then beam search width 3 over 32 characters (beams batched in one call per step)
 *   sample    sampling throughput in chars/s (temperature 1, one stream)
 * for onnxruntime-node, the TypeScript engine (fast kernels), and PyTorch (/usr/bin/python3) when present.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { charConfig, type ModelConfig } from '../src/engine/config';
import { fastKernels } from '../src/engine/kernels-wasm';
import { Model } from '../src/engine/model';
import { Rng } from '../src/engine/rng';
import { type TokenStepper, PrefixCache, beamSearch, greedyDecode, sampleText } from '../src/onnx/decode';
import { exportOnnx } from '../src/onnx/export';
import { EngineStepper } from '../src/onnx/fallback';
import { OnnxModel } from '../src/onnx/runtime';

const quick = process.argv.includes('--quick');
const V = 65;
const CONFIGS: [string, ModelConfig][] = [
  ['C1 1xLSTM128', charConfig({ cell: 'lstm', layers: 1, hidden: 128, emb: 64, vocab: V })],
  ['C2 2xLSTM256', charConfig({ cell: 'lstm', layers: 2, hidden: 256, emb: 64, vocab: V })],
];
const codec = { decode: (ids: ArrayLike<number>) => String.fromCharCode(...Array.from(ids, (i) => 32 + i)) };

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
};
const argmax = (x: Float32Array) => {
  let b = 0;
  for (let i = 1; i < x.length; i++) if (x[i]! > x[b]!) b = i;
  return b;
};

interface Row {
  step50: number;
  step95: number;
  auto50: number;
  auto95: number;
  stepped50?: number;
  stepped95?: number;
  warm50?: number;
  warm95?: number;
  beam50?: number;
  beam95?: number;
  charsPerSec: number;
}

async function measure(mk: () => TokenStepper): Promise<Row> {
  const rng = new Rng(1);
  const ctx = Array.from({ length: 256 }, () => rng.int(V));
  // warm up
  {
    const s = mk();
    let lg = await s.prime(ctx.slice(0, 16));
    for (let i = 0; i < 20; i++) lg = await s.step(argmax(lg));
  }
  const steps: number[] = [];
  {
    const s = mk();
    let lg = await s.prime(ctx.slice(0, 8));
    for (let i = 0; i < (quick ? 200 : 1000); i++) {
      const t0 = performance.now();
      lg = await s.step(argmax(lg));
      steps.push(performance.now() - t0);
    }
  }
  const autos: number[] = [],
    stepped: number[] = [];
  for (let r = 0; r < (quick ? 10 : 40); r++) {
    let t0 = performance.now();
    let s = mk();
    const first = await s.prime(ctx);
    const g = await greedyDecode(s, first, 32, []);
    if (g!.ids.length !== 32) throw new Error('greedy decode stopped early');
    autos.push(performance.now() - t0);
    t0 = performance.now();
    s = mk();
    let lg = await s.prime(ctx);
    for (let i = 0; i < 32; i++) {
      const id = argmax(lg);
      if (i < 31) lg = await s.step(id);
    }
    stepped.push(performance.now() - t0);
  }
  // typing: the context grows by one character per completion; the PrefixCache runs only the new one
  const warm: number[] = [];
  const cache = new PrefixCache(mk);
  await cache.advance(ctx);
  const typed = [...ctx];
  for (let r = 0; r < (quick ? 10 : 40); r++) {
    typed.push(rng.int(V));
    const t0 = performance.now();
    const { stepper: s, logits } = await cache.advance(typed);
    await greedyDecode(s, logits, 32, []);
    warm.push(performance.now() - t0);
  }
  // typing with beam search (width 3, 32 chars, batched beams), as inline completion would
  const beams: number[] = [];
  for (let r = 0; r < (quick ? 10 : 40); r++) {
    typed.push(rng.int(V));
    const t0 = performance.now();
    const { stepper: s, logits } = await cache.advance(typed);
    await beamSearch(s, logits, codec, { width: 3, length: 32 });
    beams.push(performance.now() - t0);
  }
  const n = quick ? 300 : 2000;
  const s = mk();
  const first = await s.prime(ctx.slice(0, 8));
  const t0 = performance.now();
  await sampleText(s, first, codec, { length: n, seed: 1 });
  const charsPerSec = n / ((performance.now() - t0) / 1000);
  return {
    step50: pct(steps, 0.5),
    step95: pct(steps, 0.95),
    auto50: pct(autos, 0.5),
    auto95: pct(autos, 0.95),
    stepped50: pct(stepped, 0.5),
    stepped95: pct(stepped, 0.95),
    warm50: pct(warm, 0.5),
    warm95: pct(warm, 0.95),
    beam50: pct(beams, 0.5),
    beam95: pct(beams, 0.95),
    charsPerSec,
  };
}

function torchRows(): Record<string, Row> | string {
  const py = '/usr/bin/python3';
  if (!fs.existsSync(py)) return 'not present';
  try {
    const script = [path.join(__dirname, 'infer_torch.py'), path.join(__dirname, '..', '..', 'bench', 'infer_torch.py')].find((f) => fs.existsSync(f));
    if (!script) return 'bench/infer_torch.py not found';
    const out = execFileSync(py, [script, ...(quick ? ['--quick'] : [])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return JSON.parse(out.trim().split('\n').pop()!) as Record<string, Row>;
  } catch (e) {
    return `failed: ${(e as Error).message.split('\n')[0]}`;
  }
}

async function main() {
  console.log(`inference benchmark on ${os.cpus()[0]?.model ?? 'cpu'} (${os.cpus().length} cores), 1 thread, V=${V}${quick ? ' (quick)' : ''}`);
  const k = fastKernels(() => undefined);
  const torch = torchRows();
  const ms = (a: number | undefined, d: number) => (a === undefined ? '-' : a.toFixed(d)).padStart(7);
  const fmt = (r: Row) =>
    `${ms(r.step50, 3)} ${ms(r.step95, 3)} ms | ${ms(r.auto50, 2)} ${ms(r.auto95, 2)} ms | ${ms(r.stepped50, 2)} ${ms(r.stepped95, 2)} ms | ${ms(r.warm50, 2)} ${ms(r.warm95, 2)} ms | ${ms(r.beam50, 2)} ${ms(r.beam95, 2)} ms | ${Math.round(r.charsPerSec).toString().padStart(7)} chars/s`;
  console.log(
    `${'model'.padEnd(14)} ${'runtime'.padEnd(20)} step p50/p95         | cold: prime256+32     | cold, 1 run per char  | typed: +1 char +32    | typed: beam 3x32      | sampling`,
  );
  let goal = '';
  for (const [name, c] of CONFIGS) {
    const m = new Model(c, { kernels: k });
    m.initParams(new Rng(3));
    const params = Float32Array.from(m.params.data);
    const onnx = await OnnxModel.load(exportOnnx(c, params));
    try {
      const r = await measure(() => onnx.stepper());
      console.log(`${name.padEnd(14)} ${'onnxruntime-node'.padEnd(20)} ${fmt(r)}`);
      if (name.startsWith('C1'))
        goal = `C1 autocomplete path (prime 256 + 32 greedy) through onnxruntime-node: p95 ${r.auto95.toFixed(2)} ms, goal ≤ 5 ms ${r.auto95 <= 5 ? 'met' : 'NOT met'} (greedy graph: ${onnx.greedyFallbackReason ?? 'used'}; one run per char: p95 ${r.stepped95!.toFixed(2)} ms)`;
    } finally {
      await onnx.dispose();
    }
    console.log(`${name.padEnd(14)} ${`ts engine (${k.name})`.padEnd(20)} ${fmt(await measure(() => new EngineStepper(m)))}`);
    if (typeof torch === 'string') console.log(`${name.padEnd(14)} ${'pytorch'.padEnd(20)} ${torch}`);
    else if (torch[name]) console.log(`${name.padEnd(14)} ${'pytorch'.padEnd(20)} ${fmt(torch[name]!)}`);
  }
  console.log(goal);
}

void main();
