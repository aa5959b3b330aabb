/**
 * The way beyond one machine, end to end on this one: a recipe → `seqlab export-pytorch` → the script trained by
 * `torchrun --nproc_per_node=2` (DDP, gloo, CPU) → `seqlab import` of its ONNX file → the greedy text through
 * onnxruntime equals the PyTorch model's own → 20 more steps in the TypeScript engine (fine-tuning the converted
 * checkpoint). PyTorch comes from Debian's python3-torch (scripts/setup-torch.sh installs it when it is missing);
 * where it cannot be had, the test says so and is skipped.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCard } from '../../src/data/card';
import { importOnnxFile, sampleModelFolder } from '../../src/onnx/models';
import { createControl } from '../../src/protocol/worker';
import { runTraining } from '../../src/worker/run';
import { runForecastTraining } from '../../src/worker/forecast';
import { predictForecast } from '../../src/worker/forecastPredict';
import { tempDir } from '../unit/helpers';

const ROOT = join(__dirname, '..', '..');
const cli = join(ROOT, 'dist', 'cli.js');

/** Debian's torch 1.13 torchrun crashes under Python 3.11 on its default --redirects/--tee of 0 (an IntFlag lookup);
 * any non-zero value avoids it. Stdout (the JSON log) is not redirected with 2 = stderr. */
export const TORCHRUN_311_FIX = ['--redirects', '2', '--tee', '2'];

describe('PyTorch DDP: export the script, torchrun 2 processes, import, check, train further here', function () {
  this.timeout(900000);
  let py: string | null = null;
  before(function () {
    const r = spawnSync('bash', [join(ROOT, 'scripts', 'setup-torch.sh')], { encoding: 'utf8', timeout: 850000 });
    if (r.status !== 0) {
      console.log(`      (skipped: PyTorch could not be had for /usr/bin/python3: ${(r.stderr || '').trim().split('\n').pop()})`);
      this.skip();
    }
    py = r.stdout.trim().split('\n').pop()!;
    if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first (npm test does)`);
  });

  it("trains on 2 processes, comes back as a model whose greedy text equals PyTorch's, and trains further in the engine", () => {
    assert.ok(py);
    const dir = tempDir('seqlab-ddp-');
    // a real text nobody here wrote
    writeFileSync(join(dir, 'text.txt'), readFileSync(join(ROOT, 'node_modules', 'typescript', 'README.md'), 'utf8'));
    writeFileSync(
      join(dir, 'small.seqlab.json'),
      JSON.stringify({
        name: 'ddp-small',
        data: 'text.txt',
        options: { cell: 'lstm', layers: 2, hidden: 32, emb: 16, batch: 4, seq: 32, steps: 1000, evalEvery: 20, lr: 0.01, dropout: 0.1 },
      }),
    );
    const ex = spawnSync(process.execPath, [cli, 'export-pytorch', 'small.seqlab.json', '-o', 'train.py'], { cwd: dir, encoding: 'utf8' });
    assert.equal(ex.status, 0, ex.stderr);
    const again = spawnSync(process.execPath, [cli, 'export-pytorch', 'small.seqlab.json', '-o', 'train.py'], { cwd: dir, encoding: 'utf8' });
    assert.equal(again.status, 1, 'an existing script is not overwritten without --force');
    const t0 = Date.now();
    const run = spawnSync('torchrun', [...TORCHRUN_311_FIX, '--standalone', '--nproc_per_node=2', 'train.py', '--steps', '60', '--out', 'out'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 600000,
      env: { ...process.env, OMP_NUM_THREADS: '1' },
    });
    assert.equal(run.status, 0, `torchrun failed:\n${run.stderr.slice(-3000)}`);
    console.log(`      torchrun, 2 processes, 60 steps: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const lines = run.stdout
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l));
    const steps = lines.filter((l) => 'step' in l);
    for (const k of ['step', 'train_loss', 'chars_per_sec', 'elapsed_s', 'grad_norm', 'lr']) assert.ok(k in steps[0], `${k} in the log`);
    assert.deepEqual(
      steps.filter((l) => 'val_loss' in l).map((l) => l.step),
      [20, 40, 60],
    );
    assert.equal(lines[lines.length - 1].done, true);
    const summary = JSON.parse(readFileSync(join(dir, 'out', 'summary.json'), 'utf8'));
    assert.equal(summary.processes, 2);
    assert.equal(summary.steps, 60);
    // a pre-empted run continues from its checkpoint: --resume up to 80 steps trains steps 61..80 only
    const more = spawnSync('torchrun', [...TORCHRUN_311_FIX, '--standalone', '--nproc_per_node=2', 'train.py', '--steps', '80', '--resume', '--out', 'out'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 600000,
      env: { ...process.env, OMP_NUM_THREADS: '1' },
    });
    assert.equal(more.status, 0, `torchrun --resume failed:\n${more.stderr.slice(-3000)}`);
    const resumed = more.stdout
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l))
      .filter((l) => 'step' in l);
    assert.equal(resumed[0].step, 70, 'the first logged step after the resume');
    assert.equal(resumed[resumed.length - 1].step, 80);
    const log = readFileSync(join(dir, 'out', 'train.log.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((l) => 'step' in l);
    assert.deepEqual(
      log.map((l) => l.step),
      [10, 20, 30, 40, 50, 60, 70, 80],
      'one log over both sessions',
    );
    Object.assign(summary, JSON.parse(readFileSync(join(dir, 'out', 'summary.json'), 'utf8')));
    assert.equal(summary.steps, 80);
    return (async () => {
      const imp = await importOnnxFile(join(dir, 'out', 'model.onnx'), { modelsDir: join(dir, 'models'), name: 'ddp' });
      assert.equal(imp.trainable, true, imp.notTrainable ?? '');
      const card = readCard(imp.dir);
      assert.equal(card.steps, 80);
      assert.ok(Math.abs(card.bestValLoss! - summary.best_val_loss) < 1e-9);
      assert.ok(existsSync(join(imp.dir, 'train.log.jsonl')), 'the remote log came along');
      // greedy text: onnxruntime and the TypeScript engine (from the converted weights) against PyTorch's own
      for (const engine of ['onnx', 'ts'] as const) {
        const out: string[] = [];
        await sampleModelFolder(imp.dir, {
          prime: summary.greedy.prime,
          length: summary.greedy.text.length,
          greedy: true,
          seed: 1,
          engine,
          onText: (t) => out.push(t),
        });
        assert.equal(out.join(''), summary.greedy.text, `${engine}: the greedy text of PyTorch`);
      }
      // and it trains further here: 20 steps of fine-tuning from the converted checkpoint
      const r = await runTraining({
        jobId: 'ft',
        name: 'ddp-ft',
        outDir: join(dir, 'models', 'ddp-ft'),
        sources: { files: [join(dir, 'text.txt')] },
        control: createControl(),
        options: { steps: 20, evalEvery: 10, sampleChars: 0 },
        resume: { from: imp.dir, mode: 'finetune' },
      });
      assert.equal(r.steps, 20);
      assert.equal(r.status, 'complete');
      assert.ok(r.bestValLoss !== null && r.bestValLoss < card.bestValLoss! + 0.05, `fine-tuned ${r.bestValLoss} vs ${card.bestValLoss}`);
    })();
  });

  it("a forecaster: the script repeats its run on 2 processes, the import forecasts PyTorch's numbers, and trains further here", async () => {
    assert.ok(py);
    const dir = tempDir('seqlab-ddp-fc-');
    const csv = join(dir, 'sales.csv');
    writeFileSync(csv, seasonalCsv(360));
    // a forecaster trained here: two columns in, two steps ahead
    const base = { jobId: 'fc', file: csv, control: createControl(), targets: ['sales'], features: ['temp'], window: 16, horizon: 2, hidden: 16 };
    const here = await runForecastTraining({ ...base, outDir: join(dir, 'models', 'fc'), name: 'fc', steps: 40 });
    assert.equal(here.status, 'complete');
    const ex = spawnSync(process.execPath, [cli, 'export-pytorch', here.modelDir, '-o', 'train.py'], { cwd: dir, encoding: 'utf8' });
    assert.equal(ex.status, 0, ex.stderr);
    const script = readFileSync(join(dir, 'train.py'), 'utf8');
    assert.match(script, /^KIND = "forecast"$/m);
    assert.match(script, /^ {4}"targets": \["sales"\],$/m);
    assert.match(script, /^ {4}"window": 16,$/m);
    const run = spawnSync(
      'torchrun',
      [...TORCHRUN_311_FIX, '--standalone', '--nproc_per_node=2', 'train.py', '--steps', '60', '--eval-every', '20', '--out', 'out'],
      {
        cwd: dir,
        encoding: 'utf8',
        timeout: 600000,
        env: { ...process.env, OMP_NUM_THREADS: '1' },
      },
    );
    assert.equal(run.status, 0, `torchrun failed:\n${run.stderr.slice(-3000)}`);
    const first = JSON.parse(readFileSync(join(dir, 'out', 'summary.json'), 'utf8'));
    assert.equal(first.steps, 60);
    // pre-empted: --resume continues the windows where they were, up to 80 steps
    const resumed = spawnSync(
      'torchrun',
      [...TORCHRUN_311_FIX, '--standalone', '--nproc_per_node=2', 'train.py', '--steps', '80', '--eval-every', '20', '--resume', '--out', 'out'],
      {
        cwd: dir,
        encoding: 'utf8',
        timeout: 600000,
        env: { ...process.env, OMP_NUM_THREADS: '1' },
      },
    );
    assert.equal(resumed.status, 0, `torchrun --resume failed:\n${resumed.stderr.slice(-3000)}`);
    const steps = resumed.stdout
      .split('\n')
      .filter((l) => l.startsWith('{"step"'))
      .map((l) => JSON.parse(l).step as number);
    assert.deepEqual([steps[0], steps[steps.length - 1]], [70, 80], 'the resumed session logs steps 61..80 only');
    const summary = JSON.parse(readFileSync(join(dir, 'out', 'summary.json'), 'utf8'));
    assert.equal(summary.steps, 80);
    assert.ok(Number.isFinite(summary.best_val_loss) && summary.best_val_loss < 1, `validation MSE (z-units) ${summary.best_val_loss}`);
    assert.equal(summary.processes, 2);
    assert.equal(summary.kind, 'forecast');
    assert.equal(summary.forecast.length, 2, "PyTorch's own forecast of the 2 steps after the data");
    const imp = await importOnnxFile(join(dir, 'out', 'model.onnx'), { modelsDir: join(dir, 'models'), name: 'fc-ddp' });
    const card = readCard(imp.dir);
    assert.equal(card.config.kind, 'regression');
    assert.deepEqual([card.config.features, card.config.outputs], [2, 2]);
    assert.ok(existsSync(join(imp.dir, 'train.log.jsonl')), 'the remote log came along');
    // through onnxruntime, from the CSV: the same numbers as PyTorch, and intervals from the script's residuals
    const p = await predictForecast({ modelDir: imp.dir, file: csv });
    for (let i = 0; i < 2; i++) {
      const d = Math.abs(p.values[i]! - summary.forecast[i]) / Math.max(1, Math.abs(summary.forecast[i]));
      assert.ok(d < 1e-4, `step ${i + 1}: ${p.values[i]} here, ${summary.forecast[i]} in PyTorch`);
      assert.ok(p.lower[i]! < p.values[i]! && p.values[i]! < p.upper[i]!, 'an interval around the forecast');
    }
    assert.equal(p.labels[0], nextDay(csv), 'the first forecast row is dated the day after the data');
    // and it continues here: 20 more steps of the same forecasting run, which writes the full report
    const more = await runForecastTraining({ ...base, outDir: imp.dir, name: 'fc-ddp', steps: 20, resume: { from: imp.dir } });
    assert.equal(more.steps, 20);
    assert.ok(existsSync(join(imp.dir, 'forecast.json')), 'the continued run writes the report the forecast panel shows');
  });
});

/** sales = 20 + 6 sin(2πt/12) + 0.03 t + N(0, 0.5²) and a temperature that leads it, daily, with a few gaps */
function seasonalCsv(n: number): string {
  let s = 11;
  const rnd = () => (s = (s * 16807) % 2147483647) / 2147483647;
  const gauss = () => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
  const lines = ['date,sales,temp'];
  for (let t = 0; t < n; t++) {
    const d = new Date(Date.UTC(2021, 0, 1 + t)).toISOString().slice(0, 10);
    const sales = 20 + 6 * Math.sin((2 * Math.PI * t) / 12) + 0.03 * t + 0.5 * gauss();
    const temp = 15 + 8 * Math.sin((2 * Math.PI * (t + 2)) / 12) + gauss();
    lines.push(`${d},${t % 97 === 50 ? '' : sales.toFixed(3)},${temp.toFixed(2)}`);
  }
  return lines.join('\n') + '\n';
}

function nextDay(csv: string): string {
  const last = readFileSync(csv, 'utf8').trim().split('\n').pop()!.split(',')[0]!;
  return new Date(Date.parse(last) + 86400000).toISOString().slice(0, 10);
}
