#!/usr/bin/env node
/* global process, console */
// Parity of the PyTorch training script with the TypeScript engine (npm run bench:pytorch): the same recipe, C1
// (1×LSTM 128, emb 64, batch 32, seq 64, Adam 2e-3, clip 5) on tinyshakespeare for 300 steps, validated on the tail 10 %:
//   - the TS engine (seqlab train, all cores),
//   - the exported script with 1 process (python train.py, one thread),
//   - the exported script with 2 processes (torchrun --nproc_per_node=2, one thread each, the same global batch).
// Prints the validation loss of each, their largest difference (goal: within 0.05 nats/char) and chars/s.
// Needs /usr/bin/python3 with torch (bash scripts/setup-torch.sh). Flags: --steps N (300), --data FILE.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..');
const arg = (k, d) => {
  const i = process.argv.indexOf(`--${k}`);
  return i > 0 ? process.argv[i + 1] : d;
};
const steps = Number(arg('steps', '300'));
const data = arg('data', join(ROOT, '..', 'shared', 'data', 'tinyshakespeare.txt'));
if (!existsSync(data)) {
  console.error(`no data at ${data}`);
  process.exit(1);
}
const setup = spawnSync('bash', [join(ROOT, 'scripts', 'setup-torch.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
if (setup.status !== 0) {
  console.error('PyTorch is not available (scripts/setup-torch.sh failed)');
  process.exit(1);
}
const cores = availableParallelism();
const dir = mkdtempSync(join(tmpdir(), 'seqlab-bench-pytorch-'));
const cli = join(ROOT, 'dist', 'cli.js');
const options = {
  cell: 'lstm',
  layers: 1,
  hidden: 128,
  emb: 64,
  batch: 32,
  seq: 64,
  lr: 0.002,
  clip: 5,
  steps,
  evalEvery: steps,
  valFraction: 0.1,
  sampleChars: 0,
};
writeFileSync(join(dir, 'c1.seqlab.json'), JSON.stringify({ name: 'c1', data, options }));

const jsonLines = (out) =>
  out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
const rows = [];
try {
  // 1. the TypeScript engine
  const ts = spawnSync(
    process.execPath,
    [
      cli,
      'train',
      data,
      '--hidden',
      '128',
      '--emb',
      '64',
      '--batch',
      '32',
      '--seq',
      '64',
      '--lr',
      '0.002',
      '--clip',
      '5',
      '--steps',
      String(steps),
      '--eval-every',
      String(steps),
      '--out',
      join(dir, 'models'),
      '--name',
      'c1-ts',
      '--json',
    ],
    { encoding: 'utf8' },
  );
  if (ts.status !== 0) throw new Error(`seqlab train failed: ${ts.stderr}`);
  const tl = jsonLines(ts.stdout);
  const tsLast = tl.filter((l) => 'step' in l).pop();
  rows.push({ what: `TS engine (${cores} threads)`, val: tl.pop().best_val_loss, cps: tsLast.chars_per_sec });
  // 2. the script
  const ex = spawnSync(process.execPath, [cli, 'export-pytorch', join(dir, 'c1.seqlab.json'), '-o', join(dir, 'train.py')], { encoding: 'utf8' });
  if (ex.status !== 0) throw new Error(`export-pytorch failed: ${ex.stderr}`);
  const runs = [
    // one thread: on this 2-core machine torch with 2 intra-op threads runs at a third of its 1-thread speed
    { what: 'script, 1 process (1 thread)', cmd: ['/usr/bin/python3', [join(dir, 'train.py'), '--out', join(dir, 'p1')]], env: { OMP_NUM_THREADS: '1' } },
    {
      what: 'script, 2 processes (torchrun, 1 thread each)',
      cmd: ['torchrun', ['--redirects', '2', '--tee', '2', '--standalone', '--nproc_per_node=2', join(dir, 'train.py'), '--out', join(dir, 'p2')]],
      env: { OMP_NUM_THREADS: '1' },
    },
  ];
  for (const r of runs) {
    const p = spawnSync(r.cmd[0], r.cmd[1], { encoding: 'utf8', cwd: dir, env: { ...process.env, ...r.env } });
    if (p.status !== 0) throw new Error(`${r.what} failed: ${p.stderr.slice(-2000)}`);
    const lines = jsonLines(p.stdout);
    const last = lines.filter((l) => 'step' in l).pop();
    rows.push({ what: r.what, val: lines.pop().best_val_loss, cps: last.chars_per_sec });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`C1 on ${data.split('/').pop()}, ${steps} steps, validation loss on the last 10 % (nats/char):`);
for (const r of rows) console.log(`  ${r.what.padEnd(48)} val ${r.val.toFixed(4)}   ${String(r.cps.toLocaleString('en-US')).padStart(9)} chars/s`);
const vals = rows.map((r) => r.val);
const spread = Math.max(...vals) - Math.min(...vals);
console.log(`  largest difference ${spread.toFixed(4)} nats/char: ${spread <= 0.05 ? 'within' : 'NOT within'} 0.05`);
console.log(`  script 2 processes / 1 process: ${(rows[2].cps / rows[1].cps).toFixed(2)}x chars/s`);
