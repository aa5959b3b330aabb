/**
 * `npm run bench:train`: training speed and quality for the three reference configs on tinyshakespeare
 * (first 90% train, last 10% validation), each engine in its own child process (clean peak RSS),
 * side by side with PyTorch (Debian python3-torch) when /usr/bin/python3 has it. Prints one table.
 *
 *   C1: 1×LSTM 128, emb 64, B32, T64      C2: 2×LSTM 256      C3: 1×GRU 256
 *
 * Options: --steps N (Adam steps for val loss, default 300), --time-steps N (steps timed for engines run
 * speed-only, default 10), --configs C1,C2,C3, --engines ref,fast1,fast2,wasm1,wasm2,torch1,torch2, --data FILE,
 * --quality-engines fast2,torch1 (which engines train all --steps; the others are timed only).
 * The "% of GEMM ceiling" column divides a row's GFLOP/s by the best 1024³ sgemm measured in the same run with the
 * same thread count (OpenBLAS through torch.mm when PyTorch is there, and our native sgemm).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { charConfig, type CellType, GATES } from '../src/engine/config';
import type { Kernels } from '../src/engine/kernels';
import { refKernels } from '../src/engine/kernels';
import { Model } from '../src/engine/model';
import { resolveOptions } from '../src/engine/options';
import { Trainer } from '../src/engine/train';
import { splitTrainVal, StreamBatcher } from '../src/data/batches';
import { loadCorpus } from '../src/data/text';
import { pickKernels } from '../src/worker/kernels';

interface Cfg {
  name: string;
  cell: CellType;
  layers: number;
  hidden: number;
  emb: number;
}
const CONFIGS: Cfg[] = [
  { name: 'C1', cell: 'lstm', layers: 1, hidden: 128, emb: 64 },
  { name: 'C2', cell: 'lstm', layers: 2, hidden: 256, emb: 64 },
  { name: 'C3', cell: 'gru', layers: 1, hidden: 256, emb: 64 },
];
const B = 32,
  T = 64;

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}

/** FLOPs per character, forward + backward (≈ 3× the forward's 2·MACs). */
function flopsPerChar(c: Cfg, V: number): number {
  const G = GATES[c.cell];
  let macs = 0;
  for (let l = 0; l < c.layers; l++) macs += G * c.hidden * ((l === 0 ? c.emb : c.hidden) + c.hidden);
  macs += c.hidden * V;
  return 3 * 2 * macs;
}

interface Row {
  config: string;
  engine: string;
  charsPerSec: number;
  msPerStep: number;
  gflops: number;
  valLoss: number | null;
  peakRssMb: number;
  steps: number;
  note?: string;
}

/** Child mode: train one config with one engine and print a JSON line. */
function runOne(cfgName: string, engine: string, steps: number, data: string): void {
  const c = CONFIGS.find((x) => x.name === cfgName)!;
  const corpus = loadCorpus([data]);
  const split = splitTrainVal(corpus.chars, 0.1);
  const opts = resolveOptions({
    cell: c.cell,
    layers: c.layers,
    hidden: c.hidden,
    emb: c.emb,
    batch: B,
    seq: T,
    lr: 2e-3,
    clip: 5,
    steps,
    evalEvery: 1e9,
    seed: 1,
    sampleChars: 0,
  });
  let kernels: Kernels = refKernels;
  let note: string | undefined;
  // fastN: the backend pickKernels chooses (native first); wasmN: the WebAssembly kernels forced, for comparison
  const fast = engine.startsWith('fast') || engine.startsWith('wasm');
  const threads = fast ? Number(engine.slice(4)) || 1 : 1;
  if (engine.startsWith('wasm')) process.env.SEQLAB_KERNELS = 'wasm';
  if (fast) {
    kernels = pickKernels((m) => {
      note = m;
    }, threads);
    if (kernels === refKernels) note = note ?? 'fast kernels unavailable: reference used';
  }
  const model = new Model(charConfig({ cell: c.cell, layers: c.layers, hidden: c.hidden, emb: c.emb, vocab: corpus.vocab.size }), { kernels });
  const tr = new Trainer(
    model,
    opts,
    new StreamBatcher(corpus.ids, split.train[0], split.train[1], B, T),
    new StreamBatcher(corpus.ids, split.val[0], split.val[1], B, T),
  );
  tr.init();
  tr.trainStep(); // warm-up (JIT, allocation, helper threads starting), not timed
  if (threads > 1) {
    const t = Date.now();
    while (Date.now() - t < 300) tr.trainStep();
  }
  const t0 = performance.now();
  for (let s = 1; s < steps; s++) tr.trainStep();
  const sec = (performance.now() - t0) / 1000;
  const timed = Math.max(1, steps - 1);
  const valLoss = steps >= 300 ? tr.evaluate() : null;
  const row: Row = {
    config: c.name,
    engine: fast ? `fast (${kernels.name}, ${threads} thread${threads > 1 ? 's' : ''})` : 'reference (TS)',
    steps,
    charsPerSec: (timed * B * T) / sec,
    msPerStep: (1000 * sec) / timed,
    gflops: (((timed * B * T) / sec) * flopsPerChar(c, corpus.vocab.size)) / 1e9,
    valLoss,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    note,
  };
  process.stdout.write(JSON.stringify(row) + '\n');
}

/**
 * The GEMM ceiling of this machine, measured in this run: the best of OpenBLAS through PyTorch (torch.mm) and our
 * native sgemm, 1024³ float32, per thread count (GFLOP/s). Each in its own child process.
 */
function gemmCeiling(threads: number): { gflops: number; what: string } | null {
  const out: { gflops: number; what: string }[] = [];
  const py = '/usr/bin/python3';
  if (existsSync(py)) {
    const code = `import torch, time\ntorch.set_num_threads(${threads})\na=torch.rand(1024,1024); b=torch.rand(1024,1024)\nfor _ in range(3): a@b\nbest=1e9\nfor _ in range(5):\n  t=time.perf_counter(); [a@b for _ in range(5)]; best=min(best,(time.perf_counter()-t)/5)\nprint(2*1024**3/best/1e9)`;
    const r = spawnSync(py, ['-c', code], { encoding: 'utf8', timeout: 120_000 });
    const g = Number(r.stdout.trim().split('\n').pop());
    if (r.status === 0 && g > 0) out.push({ gflops: g, what: 'OpenBLAS (torch.mm)' });
  }
  const r = spawnSync(process.execPath, [__filename, '--gemm-ceiling', String(threads)], { encoding: 'utf8', timeout: 120_000 });
  const g = Number(r.stdout.trim().split('\n').pop());
  if (r.status === 0 && g > 0) out.push({ gflops: g, what: 'native sgemm' });
  return out.length ? out.reduce((a, b) => (a.gflops >= b.gflops ? a : b)) : null;
}

/** Child mode: our native sgemm, 1024³, best of 5 × 5 products, GFLOP/s on stdout. */
function nativeGemmGflops(threads: number): void {
  process.env.SEQLAB_KERNELS = 'native';
  const k = pickKernels(() => undefined, threads);
  const n = 1024,
    A = new Float32Array(n * n).fill(0.5),
    B = new Float32Array(n * n).fill(0.25),
    C = new Float32Array(n * n);
  for (let i = 0; i < 3; i++) k.gemm(false, false, n, n, n, A, 0, n, B, 0, n, 0, C, 0, n);
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    for (let i = 0; i < 5; i++) k.gemm(false, false, n, n, n, A, 0, n, B, 0, n, 0, C, 0, n);
    best = Math.min(best, (performance.now() - t) / 5000);
  }
  console.log(String((2 * n ** 3) / best / 1e9));
  process.exit(0);
}

function torchRows(cfg: Cfg, threads: number, steps: number, data: string, V: number): Row | string {
  const py = '/usr/bin/python3';
  const script = join(__dirname, '..', '..', 'bench', 'torch_train.py');
  const scriptAlt = join(process.cwd(), 'bench', 'torch_train.py');
  const s = existsSync(script) ? script : scriptAlt;
  if (!existsSync(py) || !existsSync(s))
    return 'PyTorch rows skipped: needs /usr/bin/python3 with torch (apt-get install python3-torch libopenblas0) and bench/torch_train.py';
  try {
    execFileSync(py, ['-c', 'import torch'], { stdio: 'ignore' });
  } catch {
    return 'PyTorch rows skipped: /usr/bin/python3 has no torch (apt-get install python3-torch libopenblas0)';
  }
  const r = spawnSync(py, [s, '--configs', cfg.name, '--steps', String(steps), '--threads', String(threads), '--data', data], {
    encoding: 'utf8',
    timeout: 3600_000,
  });
  const line = r.stdout
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  if (r.status !== 0 || !line) return `PyTorch ${cfg.name} failed: ${r.stderr.trim().split('\n').pop()}`;
  const j = JSON.parse(line);
  const cps = j.chars_per_s ?? j.chars_per_sec;
  return {
    config: cfg.name,
    engine: `PyTorch ${j.torch ?? ''} ${threads} thread${threads > 1 ? 's' : ''}`.replace('  ', ' '),
    steps,
    charsPerSec: cps,
    msPerStep: j.ms_per_step,
    gflops: (cps * flopsPerChar(cfg, V)) / 1e9,
    valLoss: steps >= 300 ? j.val_loss : null,
    peakRssMb: j.peak_rss_mb,
  };
}

function main(): void {
  const data = arg('data', join(__dirname, '..', '..', '..', 'shared', 'data', 'tinyshakespeare.txt'));
  const dataPath = existsSync(data) ? data : join(process.cwd(), '..', 'shared', 'data', 'tinyshakespeare.txt');
  const steps = Number(arg('steps', '300'));
  if (process.argv.includes('--one')) {
    runOne(arg('one', 'C1'), arg('engine', 'ref'), steps, dataPath);
    return;
  }
  if (process.argv.includes('--gemm-ceiling')) {
    nativeGemmGflops(Number(arg('gemm-ceiling', '1')));
    return;
  }
  if (!existsSync(dataPath)) {
    console.error(`bench: reference corpus not found at ${dataPath} (pass --data FILE)`);
    process.exit(1);
  }
  const timeSteps = Number(arg('time-steps', '10'));
  const configs = arg('configs', 'C1,C2,C3').split(',');
  const engines = arg('engines', 'ref,wasm1,wasm2,fast1,fast2,torch1,torch2').split(',');
  const quality = new Set(arg('quality-engines', 'fast2,torch1').split(','));
  const V = loadCorpus([dataPath]).vocab.size;
  const rows: Row[] = [];
  const notes: string[] = [];
  console.log(
    `bench:train on ${dataPath} (V=${V}), B=${B}, T=${T}, Adam lr 2e-3, clip 5; val loss after ${steps} steps for ${[...quality].join(', ')}; others timed over ${timeSteps} steps`,
  );
  for (const name of configs) {
    const cfg = CONFIGS.find((c) => c.name === name);
    if (!cfg) throw new Error(`unknown config ${name}`);
    for (const e of engines) {
      const n = quality.has(e) ? steps : timeSteps;
      if (e.startsWith('torch')) {
        const r = torchRows(cfg, Number(e.slice(5)) || 1, n, dataPath, V);
        if (typeof r === 'string') {
          if (!notes.includes(r)) notes.push(r);
        } else rows.push(r);
        continue;
      }
      const r = spawnSync(process.execPath, [__filename, '--one', name, '--engine', e, '--steps', String(n), '--data', dataPath], {
        encoding: 'utf8',
        timeout: 3600_000,
      });
      const line = r.stdout.trim().split('\n').pop() ?? '';
      if (r.status !== 0 || !line.startsWith('{')) {
        notes.push(`${name}/${e} failed: ${r.stderr.trim().split('\n').slice(-2).join(' ')}`);
        continue;
      }
      const row = JSON.parse(line) as Row;
      if (row.note) notes.push(`${name}/${e}: ${row.note}`);
      rows.push(row);
      console.error(`  ${name} ${row.engine}: ${row.msPerStep.toFixed(1)} ms/step`);
    }
  }
  // the GEMM ceiling for each thread count, measured now (the machine is shared: only same-run ratios mean much)
  const ceilings = new Map<number, { gflops: number; what: string } | null>();
  for (const t of [1, 2]) ceilings.set(t, gemmCeiling(t));
  const threadsOf = (r: Row) => (/(\d+) threads?/.exec(r.engine)?.[1] ? Number(/(\d+) threads?/.exec(r.engine)![1]) : 1);
  const ofCeiling = (r: Row) => {
    const c = ceilings.get(threadsOf(r));
    return c ? `${((100 * r.gflops) / c.gflops).toFixed(0)}%` : '-';
  };
  const hdr = ['config', 'engine', 'chars/s', 'ms/step', 'GFLOP/s', '% of GEMM ceiling', `val loss @${steps}`, 'peak RSS MB'];
  const body = rows.map((r) => [
    r.config,
    r.engine,
    Math.round(r.charsPerSec).toLocaleString('en-US'),
    r.msPerStep.toFixed(1),
    r.gflops.toFixed(2),
    ofCeiling(r),
    r.valLoss === null || r.valLoss === undefined ? '-' : r.valLoss.toFixed(4),
    Number.isFinite(r.peakRssMb) ? r.peakRssMb.toFixed(0) : '-',
  ]);
  const w = hdr.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(w[i])).join(' | ') + ' |';
  console.log(line(hdr));
  console.log('| ' + w.map((n) => '-'.repeat(n)).join(' | ') + ' |');
  for (const b of body) console.log(line(b));
  for (const [t, c] of ceilings)
    console.log(
      `GEMM ceiling, ${t} thread${t > 1 ? 's' : ''}: ${c ? `${c.gflops.toFixed(1)} GFLOP/s (${c.what}, 1024³ float32, best in this run)` : 'not measured'}`,
    );
  for (const n of notes) console.log(`note: ${n}`);
  const ratios: string[] = [];
  for (const name of configs) {
    const ours = rows.filter((r) => r.config === name && !r.engine.startsWith('PyTorch'));
    const torch = rows.filter((r) => r.config === name && r.engine.startsWith('PyTorch'));
    if (!ours.length || !torch.length) continue;
    const best = ours.reduce((a, b) => (a.charsPerSec > b.charsPerSec ? a : b));
    const tb = torch.reduce((a, b) => (a.charsPerSec > b.charsPerSec ? a : b));
    ratios.push(`${name} ${(best.charsPerSec / tb.charsPerSec).toFixed(2)}× (${best.engine} vs ${tb.engine})`);
  }
  console.log(ratios.length ? `ratio to PyTorch's best (chars/s): ${ratios.join('; ')}` : 'ratio to PyTorch: n/a (no PyTorch rows)');
}

main();
