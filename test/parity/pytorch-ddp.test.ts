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
});
