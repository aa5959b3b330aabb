/**
 * The CLI as a user runs it (the built dist/cli.js in a child process): exit codes and one-line messages
 * for wrong usage and bad input, and a tiny train → info → sample → eval round trip with --json.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const cli = join(__dirname, '..', '..', 'dist', 'cli.js');
function run(args: string[], cwd?: string) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd, timeout: 120000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('seqlab CLI', function () {
  this.timeout(180000);
  let dir: string;
  before(function () {
    if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first (npm test does)`);
    dir = mkdtempSync(join(tmpdir(), 'seqlab-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('imports a PyTorch-exported LSTM with a vocabulary file, and says what is missing without one', () => {
    const fx = join(__dirname, '..', 'fixtures', 'onnx');
    const vocab: string = JSON.parse(readFileSync(join(fx, 'torch_char_lstm.json'), 'utf8')).vocab;
    writeFileSync(join(dir, 'vocab.txt'), vocab);
    const bad = run(['import', join(fx, 'torch_char_lstm.onnx'), '--out', 'imported'], dir);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /no vocabulary/);
    const ok = run(['import', join(fx, 'torch_char_lstm.onnx'), '--vocab', 'vocab.txt', '--name', 'torch', '--out', 'imported', '--json'], dir);
    assert.equal(ok.code, 0, ok.err);
    const m = JSON.parse(ok.out).model;
    const s = run(['sample', m, '--length', '12', '--greedy'], dir);
    assert.equal(s.code, 0, s.err);
    assert.equal([...s.out.replace(/\n$/, '')].length, 12);
  });

  it('wrong usage prints usage and exits 2', () => {
    for (const args of [['train'], ['train', '--hidden', 'x', 'f.txt'], ['nosuchcommand'], ['sample'], ['train', '--cell', 'tcn', 'f.txt']]) {
      const r = run(args, dir);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, /usage/i);
    }
  });

  it('exits cleanly every time, with the native kernels’ thread pool running (once crashed one run in four)', () => {
    writeFileSync(join(dir, 'bin.dat'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, 1, 2, 0, 0]));
    const codes = Array.from({ length: 24 }, () => run(['train', 'bin.dat'], dir).code);
    assert.deepEqual(
      codes,
      codes.map(() => 1),
      'exit codes (null: killed by a signal)',
    );
  });

  it('bad input prints one clear line and exits 1, without a stack trace', () => {
    writeFileSync(join(dir, 'empty.txt'), '');
    writeFileSync(join(dir, 'bin.dat'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, 1, 2, 0, 0]));
    writeFileSync(join(dir, 'latin1.txt'), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]));
    const cases: [string[], RegExp][] = [
      [['train', 'missing.txt'], /no such file/],
      [['train', 'empty.txt'], /empty/],
      [['train', 'bin.dat'], /binary/],
      [['train', 'latin1.txt'], /UTF-8/],
      [['info', 'nomodel'], /no model/],
      [['sample', dir], /not a Sequence Lab model/],
      [['import', 'empty.txt'], /not a valid ONNX model|empty/],
      [['import', 'bin.dat'], /not a valid ONNX model/],
    ];
    for (const [args, re] of cases) {
      const r = run(args, dir);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, re);
      assert.equal(r.err.trim().split('\n').length, 1, `one line: ${r.err}`);
      assert.doesNotMatch(r.err, /\n\s+at /);
    }
  });

  it('train --json prints JSON lines and a final object; info, sample and eval use the model', () => {
    let text = '';
    for (let i = 0; i < 300; i++) text += `line ${i % 17}: hello world, 你好世界 🙂\n`;
    writeFileSync(join(dir, 'corpus.txt'), text);
    const r = run(
      ['train', 'corpus.txt', '--steps', '6', '--hidden', '16', '--emb', '8', '--batch', '4', '--seq', '16', '--eval-every', '3', '--json', '--name', 'tiny'],
      dir,
    );
    assert.equal(r.code, 0, r.err);
    const lines = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const steps = lines.filter((l) => 'step' in l);
    assert.ok(steps.length >= 2);
    for (const l of steps) for (const k of ['step', 'train_loss', 'chars_per_sec', 'elapsed_s']) assert.ok(k in l, `${k} in ${JSON.stringify(l)}`);
    assert.ok(steps.some((l) => 'val_loss' in l));
    const fin = lines[lines.length - 1];
    assert.equal(fin.done, true);
    assert.equal(fin.steps, 6);
    assert.ok(typeof fin.best_val_loss === 'number');
    assert.ok(existsSync(fin.model) && existsSync(fin.onnx));
    const info = run(['info', fin.model, '--json'], dir);
    assert.equal(info.code, 0, info.err);
    assert.equal(JSON.parse(info.out).steps, 6);
    const s = run(['sample', fin.model, '--length', '30', '--seed', '4', '--prime', '你'], dir);
    assert.equal(s.code, 0, s.err);
    assert.equal([...s.out.trimEnd()].length > 0, true);
    const s2 = run(['sample', fin.model, '--length', '30', '--seed', '4', '--prime', '你'], dir);
    assert.equal(s2.out, s.out, 'sampling is reproducible from its seed');
    const ts = run(['sample', fin.model, '--length', '30', '--seed', '4', '--prime', '你', '--engine', 'ts'], dir);
    assert.equal(ts.out, s.out, 'onnxruntime (default) and the TypeScript engine generate the same text');
    const ex = run(['export', fin.model, 'tiny.onnx'], dir);
    assert.equal(ex.code, 0, ex.err);
    assert.match(ex.out, /onnxruntime agrees with the engine/);
    assert.ok(existsSync(join(dir, 'tiny.onnx')));
    const e = run(['eval', fin.model, 'corpus.txt', '--json'], dir);
    assert.equal(e.code, 0, e.err);
    const ev = JSON.parse(e.out);
    assert.ok(ev.bpc > 0 && ev.top1 >= 0 && ev.top1 <= 1);
  });

  it('states: one signal of one layer as .npy (NumPy 1.0, float32, with the characters beside it) and as .csv', () => {
    const text = readFileSync(join(__dirname, '..', '..', 'node_modules', 'typescript', 'README.md'), 'utf8').slice(0, 3000);
    writeFileSync(join(dir, 'st.txt'), text);
    const t = run(
      ['train', 'st.txt', '--steps', '10', '--hidden', '16', '--emb', '8', '--batch', '4', '--seq', '16', '--out', 'm', '--name', 'st', '--json'],
      dir,
    );
    assert.equal(t.code, 0, t.err);
    const npy = run(['states', 'm/st', 'st.txt', '--signal', 'c', '--out', 'c.npy'], dir);
    assert.equal(npy.code, 0, npy.err);
    const bytes = readFileSync(join(dir, 'c.npy'));
    assert.equal(bytes.subarray(0, 6).toString('latin1'), '\x93NUMPY');
    const hlen = bytes.readUInt16LE(8);
    const header = bytes.subarray(10, 10 + hlen).toString('latin1');
    const T = [...text].length;
    assert.match(header, new RegExp(`'descr': '<f4', 'fortran_order': False, 'shape': \\(${T}, 16\\)`));
    assert.equal((10 + hlen) % 64, 0, 'the data starts 64-aligned');
    assert.equal(bytes.length, 10 + hlen + T * 16 * 4);
    assert.equal(JSON.parse(readFileSync(join(dir, 'c.chars.json'), 'utf8')).join(''), text);
    const csv = run(['states', 'm/st', 'st.txt', '--signal', 'f', '--out', 'f.csv'], dir);
    assert.equal(csv.code, 0, csv.err);
    const rows = readFileSync(join(dir, 'f.csv'), 'utf8').trim().split('\n');
    assert.equal(rows.length, T + 1);
    assert.equal(rows[0]!.split(',').length, 2 + 16);
    const gates = rows.slice(1, 50).flatMap((r) => r.split(',').slice(-16).map(Number));
    assert.ok(
      gates.every((g) => g > 0 && g < 1),
      'forget gates lie in (0, 1)',
    );
    for (const [args, code] of [
      [['states', 'm/st', 'st.txt', '--out', 'x.txt'], 2],
      [['states', 'm/st', 'st.txt', '--out', 'x.npy', '--signal', 'z'], 2],
      [['states', 'm/st', 'st.txt', '--out', 'x.npy', '--layer', '2'], 2],
      [['states', 'm/st', 'nope.txt', '--out', 'x.npy'], 1],
    ] as [string[], number][]) {
      const r = run(args, dir);
      assert.equal(r.code, code, `${args.join(' ')}: ${r.err}`);
      assert.equal(r.err.trim().split('\n')[0]!.startsWith('seqlab: '), true);
    }
    assert.equal(existsSync(join(dir, 'x.npy')), false, 'a refused command writes nothing');
  });

  it('complete-eval: the product, the plain LSTM and the 5-gram, typed through held-out text, as one JSON object', () => {
    const shakespeare = join(__dirname, '..', '..', '..', 'shared', 'data', 'tinyshakespeare.txt');
    const src = existsSync(shakespeare)
      ? readFileSync(shakespeare, 'utf8')
      : readFileSync(join(__dirname, '..', '..', 'node_modules', 'typescript', 'README.md'), 'utf8');
    writeFileSync(join(dir, 'ce-train.txt'), src.slice(0, 60_000));
    writeFileSync(join(dir, 'ce-test.txt'), src.slice(60_000, 62_000));
    const t = run(['train', 'ce-train.txt', '--steps', '150', '--hidden', '48', '--emb', '16', '--out', 'm', '--name', 'ce', '--json'], dir);
    assert.equal(t.code, 0, t.err);
    const r = run(['complete-eval', 'm/ce', 'ce-test.txt', '--max-chars', '800', '--json'], dir);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as { chars: number; positions: number; completers: Record<string, Record<string, number>> };
    assert.deepEqual(Object.keys(j.completers), ['product', 'lstm', 'ngram']);
    for (const [name, f] of Object.entries(j.completers)) {
      assert.deepEqual(Object.keys(f).sort(), ['bits_per_char', 'latency_p50_ms', 'latency_p95_ms', 'proxy', 'saved_per_100', 'top1'], name);
      assert.ok(f.bits_per_char! > 0.5 && f.bits_per_char! < 8, `${name} bits/char ${f.bits_per_char}`);
      assert.ok(f.top1! > 0.05 && f.top1! < 1, `${name} top-1 ${f.top1}`);
      assert.ok(f.proxy! >= 0 && f.proxy! <= 1 && f.saved_per_100! >= 0 && f.saved_per_100! <= 100);
      assert.ok(f.latency_p50_ms! <= f.latency_p95_ms!);
    }
    assert.equal(j.chars, 800);
    assert.ok(j.positions > 400 && j.positions <= 800, 'one question per typed position; accepted words skip positions');
    assert.ok(j.completers.ngram!.proxy! > 0, 'a 5-gram on 60,000 characters of the same text gets some words right');
    const table = run(['complete-eval', 'm/ce', 'ce-test.txt', '--max-chars', '300'], dir);
    assert.equal(table.code, 0, table.err);
    assert.match(table.out, /^product +\d/m);
  });
});
