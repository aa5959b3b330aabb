/**
 * The CLI's exit-code contract, on inputs nobody here wrote and the bad inputs a user will try:
 *   - a table of bad inputs for every command: each with its exit code (2 usage, 1 bad input), its one-line message,
 *     no stack trace, and no file created or changed on refusal;
 *   - property-based damage (fast-check): random truncations and byte flips of checkpoint.bin, card.json and
 *     model.onnx. Every command then gives one clear error (exit 1) or, when the damage changes nothing it reads,
 *     exactly what it gave before; never a crash, a stack trace, or output from damaged data.
 * The table runs the built dist/cli.js in child processes; the damage properties call the same main() in process.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import { main } from '../../src/cli';
import { CARD_FILE, CHECKPOINT_FILE, ONNX_FILE } from '../../src/protocol/model';
import { createControl } from '../../src/protocol/worker';
import { runTraining } from '../../src/worker/run';
import { SEED } from './fc-seed';

const ROOT = join(__dirname, '..', '..');
const cli = join(ROOT, 'dist', 'cli.js');
function run(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd, timeout: 120000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** every file below `dir` with its size and modification time: what a refusal must leave as it was */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const f of readdirSync(d).sort()) {
      const p = join(d, f);
      const st = statSync(p);
      if (st.isDirectory()) {
        out.push(`${relative(dir, p)}/`);
        walk(p);
      } else out.push(`${relative(dir, p)} ${st.size} ${st.mtimeMs}`);
    }
  };
  walk(dir);
  return out;
}

/** main() in this process, its output captured */
async function runHere(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '',
    err = '';
  const w1 = process.stdout.write.bind(process.stdout),
    w2 = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string | Uint8Array) => {
    out += String(s);
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array) => {
    err += String(s);
    return true;
  }) as typeof process.stderr.write;
  try {
    return { code: await main(args), out, err };
  } finally {
    process.stdout.write = w1;
    process.stderr.write = w2;
  }
}

describe('seqlab CLI: the exit-code contract and damaged model folders', function () {
  this.timeout(600000);
  let dir: string;
  let model: string;
  let forecast: string;
  let imported: string;
  // text nobody here wrote: the README of a package in node_modules
  const realText = join(ROOT, 'node_modules', 'typescript', 'README.md');
  const heldOut = join(ROOT, 'node_modules', 'mocha', 'README.md');

  before(() => {
    if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first (npm test does)`);
    dir = mkdtempSync(join(tmpdir(), 'seqlab-contract-'));
    const t = run(
      ['train', realText, '--steps', '6', '--hidden', '16', '--emb', '8', '--batch', '4', '--seq', '16', '--eval-every', '3', '--name', 'good', '--json'],
      dir,
    );
    assert.equal(t.code, 0, t.err);
    model = join(dir, '.seqlab', 'models', 'good');
    const f = run(
      [
        'forecast',
        'train',
        join(ROOT, 'test', 'integration', 'fixtures', 'workspace', 'sales.csv'),
        '--target',
        'sales',
        '--steps',
        '20',
        '--hidden',
        '8',
        '--name',
        'fc',
        '--json',
      ],
      dir,
    );
    assert.equal(f.code, 0, f.err);
    forecast = join(dir, '.seqlab', 'models', 'fc');
    const fx = join(ROOT, 'test', 'fixtures', 'onnx');
    writeFileSync(join(dir, 'bf.vocab.json'), JSON.stringify(Array.from(JSON.parse(readFileSync(join(fx, 'bf_lstm1.json'), 'utf8')).vocab as string)));
    const i = run(['import', join(fx, 'bf_lstm1.onnx'), '--vocab', 'bf.vocab.json', '--name', 'imp', '--json'], dir);
    assert.equal(i.code, 0, i.err);
    imported = JSON.parse(i.out).model;
    // the bad inputs
    writeFileSync(join(dir, 'empty.txt'), '');
    writeFileSync(join(dir, 'bin.dat'), readFileSync(join(ROOT, 'media', 'icon.png')));
    writeFileSync(join(dir, 'latin1.txt'), Buffer.from('caf\xe9 cr\xe8me\n', 'latin1'));
    writeFileSync(join(dir, 'short.txt'), 'abc');
    writeFileSync(join(dir, 'one-row.csv'), 'date,sales\n2020-01-01,5\n');
    writeFileSync(join(dir, 'header.csv'), 'date,sales\n');
    writeFileSync(join(dir, 'ragged.csv'), 'date,sales\n2020-01-01,5\n2020-01-02,6,7,8\n');
    mkdirSync(join(dir, 'not-a-model'));
    mkdirSync(join(dir, 'bad-card'));
    writeFileSync(join(dir, 'bad-card', CARD_FILE), '{ "format": 2, "name": ');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('every command refuses bad input with its exit code and one line, and creates or changes nothing', () => {
    const ck = () => join(model);
    const cases: [string[], 1 | 2, RegExp][] = [
      // train
      [['train'], 2, /give a file or folder/],
      [['train', 'missing.txt'], 1, /no such file/],
      [['train', 'empty.txt'], 1, /is empty/],
      [['train', 'bin.dat'], 1, /binary/],
      [['train', 'latin1.txt'], 1, /not valid UTF-8/],
      [['train', 'short.txt'], 1, /too short/],
      [['train', realText, '--layers', '9'], 2, /--layers must be a whole number from 1 to 4/],
      [['train', realText, '--hidden', '100000'], 2, /needs about [\d,]+ GB of memory/],
      [['train', realText, '--hidden', '0'], 2, /--hidden must be a whole number/],
      [['train', realText, '--lr', '-1'], 2, /--lr must be a number/],
      [['train', realText, '--dropout', '1.5'], 2, /--dropout must be a number/],
      [['train', realText, '--cell', 'tcn'], 2, /Allowed choices are lstm, gru, rnn/],
      [['train', realText, '--batch', '100000', '--seq', '100000'], 2, /GB of memory|buffer of/],
      [['train', '--resume', 'nomodel'], 1, /no model at nomodel/],
      [['train', '--resume', 'not-a-model'], 1, /not a Sequence Lab model folder/],
      [['train', '--resume', imported], 1, /does not record its data files; use fine-tuning instead/],
      // sample
      [['sample'], 2, /missing required argument/],
      [['sample', 'nomodel'], 1, /no model at/],
      [['sample', 'not-a-model'], 1, /not a Sequence Lab model folder/],
      [['sample', ck(), '--length', '0'], 2, /--length must be a whole number/],
      [['sample', ck(), '--temperature', '0'], 2, /--temperature must be a number/],
      [['sample', forecast], 1, /no vocabulary|cannot generate text/],
      // export
      [['export', ck()], 2, /missing required argument/],
      [['export', ck(), join(model, ONNX_FILE)], 1, /own file/],
      [['export', imported, 'x.onnx'], 1, /was imported: its model.onnx is the export/],
      [['export', 'bad-card', 'x.onnx'], 1, /damaged/],
      // import
      [['import', 'empty.txt'], 1, /empty|not a valid ONNX model/],
      [['import', 'bin.dat'], 1, /not a valid ONNX model/],
      [['import', join(ROOT, 'test', 'fixtures', 'onnx', 'bf_lstm1.onnx')], 1, /no vocabulary/],
      [['import', join(ROOT, 'test', 'fixtures', 'onnx', 'bf_lstm1.onnx'), '--vocab', 'missing.json'], 1, /vocabulary file .*not found/],
      // export-pytorch
      [['export-pytorch', ck()], 2, /required option '-o, --out/],
      [['export-pytorch', 'missing.seqlab.json', '-o', 'train.py'], 1, /No such recipe or model folder/],
      [['export-pytorch', forecast, '-o', 'empty.txt'], 1, /empty\.txt exists; choose another name, or --force/],
      [['export-pytorch', 'empty.txt', '-o', 'train.py'], 1, /neither a \*\.seqlab\.json recipe nor a model folder/],
      [['export-pytorch', ck(), '-o', '.'], 1, /is a folder/],
      // info
      [['info', 'nomodel'], 1, /no model at/],
      [['info', 'bad-card'], 1, /damaged \(not valid JSON\)/],
      // eval
      [['eval', ck()], 2, /missing required argument/],
      [['eval', ck(), 'missing.txt'], 1, /no such file/],
      [['eval', ck(), 'empty.txt'], 1, /is empty/],
      [['eval', ck(), 'bin.dat'], 1, /binary/],
      [['eval', forecast, realText], 1, /needs a character model/],
      // forecast
      [['forecast', 'train', 'one-row.csv', '--target', 'sales'], 1, /only one data row/],
      [['forecast', 'train', 'header.csv', '--target', 'sales'], 1, /header but no data rows/],
      [['forecast', 'train', 'ragged.csv', '--target', 'sales'], 1, /row 3|fields/],
      [['forecast', 'train', join(ROOT, 'test', 'integration', 'fixtures', 'workspace', 'sales.csv'), '--target', 'nope'], 1, /no column named "nope"/],
      [
        ['forecast', 'train', join(ROOT, 'test', 'integration', 'fixtures', 'workspace', 'sales.csv'), '--target', 'sales', '--hidden', '100000'],
        2,
        /GB of memory/,
      ],
      [['forecast', 'train', join(ROOT, 'test', 'integration', 'fixtures', 'workspace', 'sales.csv'), '--target', 'sales', '--layers', '9'], 2, /layers/],
      [['forecast', 'predict', ck(), join(ROOT, 'test', 'integration', 'fixtures', 'workspace', 'sales.csv')], 1, /not a forecasting model|forecast/],
      [['forecast', 'predict', forecast, 'missing.csv'], 1, /missing.csv does not exist|no such file/i],
    ];
    const rows: string[] = [];
    for (const [args, code, re] of cases) {
      const before = snapshot(dir);
      const r = run(args, dir);
      const label = args.map((a) => a.replace(dir, '.').replace(ROOT, '<repo>')).join(' ');
      assert.equal(r.code, code, `${label}: exit ${r.code}: ${r.err}`);
      const first = r.err.split('\n')[0]!;
      assert.match(r.err, re, label);
      assert.doesNotMatch(r.err, /\n\s+at |internal error/, `${label}: no stack trace`);
      if (code === 1) assert.equal(r.err.trim().split('\n').length, 1, `${label}: one line: ${r.err}`);
      assert.deepEqual(snapshot(dir), before, `${label}: created or changed nothing`);
      rows.push(`| \`seqlab ${label}\` | ${r.code} | ${first.replace(/\|/g, '\\|')} |`);
    }
    if (process.env.SEQLAB_CONTRACT_TABLE) writeFileSync(process.env.SEQLAB_CONTRACT_TABLE, rows.join('\n') + '\n');
  });

  it('eval never scores characters outside the vocabulary: a one-character model on a real README', async () => {
    writeFileSync(join(dir, 'aaa.txt'), 'a'.repeat(3000));
    const t = run(['train', 'aaa.txt', '--steps', '4', '--hidden', '8', '--emb', '4', '--batch', '2', '--seq', '16', '--name', 'one'], dir);
    assert.equal(t.code, 0, t.err);
    const r = run(['eval', join(dir, '.seqlab', 'models', 'one'), heldOut, '--json'], dir);
    assert.equal(r.code, 0, r.err);
    const e = JSON.parse(r.out);
    const text = readFileSync(heldOut, 'utf8');
    const as = Array.from(text).filter((c) => c === 'a').length;
    assert.ok(e.unknown_chars > 0.9 * Array.from(text).length, `unknown ${e.unknown_chars}`);
    assert.ok(e.chars <= as, `only the ${as} "a"s are scored, not ${e.chars}`);
    assert.ok(e.chars + e.unknown_chars >= Array.from(text).length - 40, 'every target is either scored or counted unknown');
  });

  it('after kill -9 the card reads as interrupted, with the steps and time of its last checkpoint', async () => {
    const big = join(dir, 'big.txt');
    writeFileSync(big, readFileSync(realText, 'utf8').repeat(4));
    const { spawn } = await import('node:child_process');
    const child = spawn(
      process.execPath,
      [cli, 'train', big, '--steps', '1000000', '--hidden', '32', '--eval-every', '10', '--name', 'killed', '--no-progress'],
      { cwd: dir },
    );
    const folder = join(dir, '.seqlab', 'models', 'killed');
    // wait for a checkpoint to be written after some training time
    const t0 = Date.now();
    while (Date.now() - t0 < 60000) {
      await new Promise((r) => setTimeout(r, 200));
      if (existsSync(join(folder, CHECKPOINT_FILE)) && JSON.parse(readFileSync(join(folder, CARD_FILE), 'utf8')).trainSeconds >= 1) break;
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const info = run(['info', folder, '--json'], dir);
    assert.equal(info.code, 0, info.err);
    const card = JSON.parse(info.out);
    assert.equal(card.status, 'interrupted');
    assert.ok(card.steps >= 10 && card.trainSeconds >= 1, `steps ${card.steps}, ${card.trainSeconds} s`);
    const text = run(['info', folder], dir);
    assert.match(text.out, new RegExp(`interrupted\\)[\\s\\S]*trained: +${card.steps} steps in \\d+s \\(last checkpoint; continue with`));
    // and it continues from there
    const again = run(['train', '--resume', folder, '--steps', '5', '--json'], dir);
    assert.equal(again.code, 0, again.err);
    assert.equal(JSON.parse(again.out.trim().split('\n').pop()!).steps, card.steps + 5);
  });

  // ---- damage ------------------------------------------------------------------------------------------------
  const damage = fc.record({
    file: fc.constantFrom(CHECKPOINT_FILE, CARD_FILE, ONNX_FILE),
    kind: fc.constantFrom('truncate', 'flip'),
    at: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
    value: fc.integer({ min: 1, max: 255 }),
  });

  it('damaged model files: one clear error or the undamaged result, never a crash or damaged data', async () => {
    const dmg = join(dir, 'dmg');
    const held = join(dir, 'held.txt');
    writeFileSync(held, readFileSync(heldOut, 'utf8').slice(0, 4000));
    const out = join(dir, 'dmg-export.onnx');
    const commands: Record<string, string[]> = {
      info: ['info', dmg],
      sample: ['sample', dmg, '--length', '20', '--seed', '3'],
      eval: ['eval', dmg, held],
      export: ['export', dmg, out],
    };
    // which commands read which file: those must refuse any damage to it (the checksums see every change)
    const reads: Record<string, string[]> = { [CHECKPOINT_FILE]: ['info', 'export', 'resume'], [ONNX_FILE]: ['sample', 'eval', 'export'], [CARD_FILE]: [] };
    const fresh = () => {
      rmSync(dmg, { recursive: true, force: true });
      cpSync(model, dmg, { recursive: true });
      rmSync(out, { force: true });
    };
    fresh();
    const baseline: Record<string, { code: number; out: string }> = {};
    // eval reports its speed, which varies from run to run
    const same = (s: string) => s.replace(/ \[[\d,]+ chars\/s\]/, '');
    for (const [k, args] of Object.entries(commands)) {
      baseline[k] = await runHere(args);
      rmSync(out, { force: true });
    }
    for (const b of Object.values(baseline)) assert.equal(b.code, 0);
    const seen = { refused: 0, same: 0 };
    await fc.assert(
      fc.asyncProperty(damage, async (d) => {
        fresh();
        const f = join(dmg, d.file);
        const bytes = readFileSync(f);
        const i = Math.floor(d.at * bytes.length);
        const bad = d.kind === 'truncate' ? bytes.subarray(0, i) : Buffer.from(bytes);
        if (d.kind === 'flip') bad[i] = (bad[i]! + d.value) & 0xff;
        writeFileSync(f, bad);
        const results: Record<string, { code: number; out: string; err: string }> = {};
        for (const [k, args] of Object.entries(commands)) {
          results[k] = await runHere(args);
          rmSync(out, { force: true });
        }
        try {
          await runTraining({
            jobId: 'r',
            name: 'dmg',
            outDir: dmg,
            sources: {},
            control: createControl(),
            options: { steps: 1 },
            resume: { from: dmg, mode: 'exact' },
          });
          results.resume = { code: 0, out: '', err: '' };
        } catch (e) {
          assert.equal((e as Error).name, 'DataError', `resume: ${(e as Error).stack}`);
          results.resume = { code: 1, out: '', err: (e as Error).message };
        }
        for (const [k, r] of Object.entries(results)) {
          const what = `${k} after ${d.kind} of ${d.file} at byte ${i} of ${bytes.length}`;
          assert.notEqual(r.code, 70, `${what}: internal error ${r.err}`);
          assert.doesNotMatch(r.err, /\n\s+at /, `${what}: no stack trace`);
          if (reads[d.file]!.includes(k)) assert.equal(r.code, 1, `${what} must refuse: ${r.out}${r.err}`);
          if (r.code === 1) {
            seen.refused++;
            assert.equal(r.err.trim().split('\n').length, 1, `${what}: one line: ${r.err}`);
            continue;
          }
          assert.equal(r.code, 0, what);
          if (k !== 'resume') {
            seen.same++;
            assert.equal(same(r.out), same(baseline[k]!.out), `${what}: the same output as before the damage, or an error`);
          }
        }
      }),
      { numRuns: 60, seed: SEED },
    );
    assert.ok(seen.refused > 50 && seen.same > 0, JSON.stringify(seen));
    rmSync(dmg, { recursive: true, force: true });
  });
});
