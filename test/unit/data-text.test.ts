import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Vocab } from '../../src/data/vocab';
import { binaryReason, decodeTextBytes, findInvalidUtf8 } from '../../src/data/decode';
import { collectTextFiles, corpusFromText, loadCorpus, readTextFileChecked } from '../../src/data/text';
import { tempDir, throwsData } from './helpers';

const MIXED = 'Hello, 世界! 🙂👍🏽 naïve ∑ \n第二行 😀';

function tmpDir(): string {
  return tempDir('seqlab-data-');
}

describe('data/vocab', () => {
  it('emoji and CJK are one id each and round-trip', () => {
    const v = Vocab.fromText(MIXED);
    const ids = v.encode(MIXED);
    assert.strictEqual(ids.length, [...MIXED].length);
    assert.ok(ids.length < MIXED.length, 'fewer ids than UTF-16 units');
    assert.strictEqual(v.decode(ids), MIXED);
    assert.strictEqual(v.size, new Set([...MIXED]).size);
    assert.ok(v.has(0x1f642) && v.has(0x4e16));
    assert.strictEqual(v.encode('🙂').length, 1);
  });

  it('is sorted by code point and deterministic; JSON round trip keeps ids', () => {
    const v = Vocab.fromText('cba🙂a');
    assert.deepStrictEqual(v.codePoints, [0x61, 0x62, 0x63, 0x1f642]);
    assert.deepStrictEqual(Vocab.fromText('🙂abc').codePoints, v.codePoints);
    const w = Vocab.fromJSON(JSON.parse(JSON.stringify(v)));
    assert.deepStrictEqual(Array.from(w.encode('abc🙂')), Array.from(v.encode('abc🙂')));
    // fromJSON keeps a non-sorted stored order
    const z = Vocab.fromJSON([0x7a, 0x61]);
    assert.strictEqual(z.id(0x7a), 0);
    assert.strictEqual(z.decode([1, 0]), 'az');
  });

  it('fromCounts ignores zero counts and sorts', () => {
    const v = Vocab.fromCounts(
      new Map([
        [0x63, 5],
        [0x61, 1],
        [0x62, 0],
      ]),
    );
    assert.deepStrictEqual(v.codePoints, [0x61, 0x63]);
  });

  it('fromJSON refuses duplicates, bad code points and empty lists', () => {
    throwsData(() => Vocab.fromJSON([0x61, 0x61]), /twice/);
    throwsData(() => Vocab.fromJSON([0x110000]), /invalid code point/);
    throwsData(() => Vocab.fromJSON([1.5]), /invalid code point/);
    throwsData(() => Vocab.fromJSON([]), /empty/);
  });

  it('fallback: U+FFFD, else space, else ?, else 0', () => {
    assert.strictEqual(Vocab.fromText('ab \uFFFD?').fallbackId, Vocab.fromText('ab \uFFFD?').id(0xfffd));
    const s = Vocab.fromText('ab ?');
    assert.strictEqual(s.fallbackId, s.id(0x20));
    const q = Vocab.fromText('ab?');
    assert.strictEqual(q.fallbackId, q.id(0x3f));
    assert.strictEqual(Vocab.fromText('xyz').fallbackId, 0);
    assert.strictEqual(s.id(0x4e16), s.fallbackId);
    assert.deepStrictEqual(Array.from(s.encode('a世🙂b')), [s.id(0x61), s.fallbackId, s.fallbackId, s.id(0x62)]);
  });

  it('encodeInto matches encode, honours the offset, refuses overflow', () => {
    const v = Vocab.fromText(MIXED);
    const want = v.encode(MIXED);
    for (const out of [new Int32Array(want.length + 5), new Uint16Array(want.length + 5)]) {
      out.fill(999);
      const n = v.encodeInto(MIXED, out, 3);
      assert.strictEqual(n, want.length);
      assert.deepStrictEqual(Array.from(out.subarray(3, 3 + n)), Array.from(want));
      assert.deepStrictEqual([out[0], out[1], out[2], out[3 + n]], [999, 999, 999, 999]);
    }
    assert.throws(() => v.encodeInto(MIXED, new Int32Array(3), 0), RangeError);
  });

  it('decode refuses ids outside the vocabulary', () => {
    assert.throws(() => Vocab.fromText('ab').decode([0, 2]), RangeError);
  });
});

describe('data/text checks', () => {
  it('binary sniffing', () => {
    assert.match(binaryReason(new Uint8Array([0x61, 0, 0x62]))!, /NUL/);
    assert.match(binaryReason(new Uint8Array(100).fill(0x01))!, /control/);
    assert.strictEqual(binaryReason(new TextEncoder().encode('plain\ttext\r\n')), null);
  });

  it('findInvalidUtf8 locates the first bad byte', () => {
    const ok = new TextEncoder().encode(MIXED);
    assert.strictEqual(findInvalidUtf8(ok), -1);
    assert.strictEqual(findInvalidUtf8(new Uint8Array([0x61, 0x62, 0xff, 0x63])), 2);
    assert.strictEqual(findInvalidUtf8(new Uint8Array([0x61, 0xc0, 0x80])), 1); // overlong
    assert.strictEqual(findInvalidUtf8(new Uint8Array([0x61, 0xed, 0xa0, 0x80])), 1); // surrogate
    assert.strictEqual(findInvalidUtf8(new Uint8Array([0x61, 0xe4, 0xb8])), 1); // truncated
    assert.strictEqual(findInvalidUtf8(new Uint8Array([0x61, 0xe4, 0xb8]), false), -1);
  });

  it('decodeTextBytes: empty, binary, invalid UTF-8 refused; BOM stripped', () => {
    throwsData(() => decodeTextBytes(new Uint8Array(0), 'a.txt'), /a\.txt is empty/);
    throwsData(() => decodeTextBytes(new Uint8Array([0xef, 0xbb, 0xbf]), 'a.txt'), /empty/);
    throwsData(() => decodeTextBytes(new Uint8Array([0x61, 0, 0x62]), 'a.bin'), /a\.bin looks like a binary file/);
    throwsData(() => decodeTextBytes(new Uint8Array([0x61, 0x62, 0xe9, 0x63]), 'latin1.txt'), /latin1\.txt is not valid UTF-8.*offset 2/);
    assert.strictEqual(decodeTextBytes(new Uint8Array([0xef, 0xbb, 0xbf, 0x68, 0x69])), 'hi');
  });

  it('readTextFileChecked reads files and explains failures', () => {
    const d = tmpDir();
    fs.writeFileSync(path.join(d, 'ok.txt'), '\uFEFF' + MIXED);
    assert.strictEqual(readTextFileChecked(path.join(d, 'ok.txt')), MIXED);
    throwsData(() => readTextFileChecked(path.join(d, 'missing.txt')), /does not exist/);
    throwsData(() => readTextFileChecked(d), /is a folder/);
    fs.writeFileSync(path.join(d, 'big.txt'), 'x'.repeat(100));
    throwsData(() => readTextFileChecked(path.join(d, 'big.txt'), 50), /too large/);
  });
});

describe('data/text collect + load', () => {
  let d: string;
  before(() => {
    d = tmpDir();
    fs.mkdirSync(path.join(d, 'sub', 'deeper'), { recursive: true });
    fs.mkdirSync(path.join(d, '.git'));
    fs.mkdirSync(path.join(d, 'node_modules'));
    fs.writeFileSync(path.join(d, 'b.txt'), 'bee');
    fs.writeFileSync(path.join(d, 'a.txt'), 'ay\n');
    fs.writeFileSync(path.join(d, 'sub', 'c.md'), '世界🙂');
    fs.writeFileSync(path.join(d, 'sub', 'deeper', 'd.txt'), 'dee');
    fs.writeFileSync(path.join(d, '.git', 'config'), 'hidden');
    fs.writeFileSync(path.join(d, 'node_modules', 'x.js'), 'nope');
    fs.writeFileSync(path.join(d, 'img.dat'), Buffer.from([0x89, 0x50, 0, 0, 1, 2, 3]));
    fs.writeFileSync(path.join(d, 'empty.txt'), '');
    fs.writeFileSync(path.join(d, 'huge.txt'), 'h'.repeat(5000));
  });

  it('walks folders in sorted order, skipping dot-folders, node_modules, binary, empty and oversized files', () => {
    const r = collectTextFiles([d], { maxFileBytes: 1000 });
    assert.deepStrictEqual(
      r.files.map((f) => path.relative(d, f)),
      ['a.txt', 'b.txt', path.join('sub', 'c.md'), path.join('sub', 'deeper', 'd.txt')],
    );
    const reasons = Object.fromEntries(r.skipped.map((s) => [path.relative(d, s.path), s.reason]));
    assert.match(reasons['img.dat']!, /binary/);
    assert.match(reasons['empty.txt']!, /empty/);
    assert.match(reasons['huge.txt']!, /too large/);
    assert.ok(!r.files.some((f) => f.includes('.git') || f.includes('node_modules')));
  });

  it('loadCorpus concatenates files, adding \\n only where missing', () => {
    const c = loadCorpus([d], { maxFileBytes: 1000 });
    const text = c.vocab.decode(c.ids);
    assert.strictEqual(text, 'ay\nbee\n世界🙂\ndee');
    assert.strictEqual(c.chars, [...text].length);
    assert.ok(c.ids instanceof Uint16Array);
    assert.strictEqual(c.files.length, 4);
    assert.strictEqual(c.bytes, 3 + 3 + Buffer.byteLength('世界🙂') + 3);
    assert.strictEqual(c.unknownChars, 0);
    assert.ok(c.skipped && c.skipped.length >= 3);
  });

  it('named files that are binary, not UTF-8, empty or missing are refused with clear messages', () => {
    throwsData(() => loadCorpus([path.join(d, 'img.dat')]), /img\.dat cannot be used: binary file/);
    throwsData(() => loadCorpus([path.join(d, 'empty.txt')]), /empty/);
    throwsData(() => loadCorpus([path.join(d, 'nope.txt')]), /does not exist/);
    throwsData(() => loadCorpus([]), /no file or folder/);
    const e = tmpDir();
    fs.writeFileSync(path.join(e, 'bad.txt'), Buffer.concat([Buffer.from('x'.repeat(20000)), Buffer.from([0xff]), Buffer.from('tail')]));
    throwsData(() => loadCorpus([path.join(e, 'bad.txt')], { chunkBytes: 4096 }), /bad\.txt is not valid UTF-8.*offset 20000/);
    const only = tmpDir();
    fs.writeFileSync(path.join(only, 'x.bin'), Buffer.from([0, 0, 0]));
    throwsData(() => loadCorpus([only]), /No text files found/);
  });

  it('a file in a folder that turns out invalid past the sniffed head is skipped, not fatal', () => {
    const e = tmpDir();
    fs.writeFileSync(path.join(e, 'good.txt'), 'good');
    fs.writeFileSync(path.join(e, 'late.txt'), Buffer.concat([Buffer.from('y'.repeat(10000)), Buffer.from([0xc3])]));
    const c = loadCorpus([e]);
    assert.strictEqual(c.vocab.decode(c.ids), 'good');
    assert.ok(c.skipped!.some((s) => s.path.endsWith('late.txt') && /UTF-8/.test(s.reason)));
  });

  it('BOM is stripped and chunk boundaries inside multi-byte characters decode correctly', () => {
    const e = tmpDir();
    const text = ('ab世🙂ü€' + 'x🙂'.repeat(7) + '\n').repeat(40);
    fs.writeFileSync(path.join(e, 't.txt'), '\uFEFF' + text);
    const whole = loadCorpus([path.join(e, 't.txt')]);
    assert.strictEqual(whole.vocab.decode(whole.ids), text);
    assert.ok(!whole.vocab.has(0xfeff));
    for (const chunkBytes of [4, 5, 6, 7, 13]) {
      const c = loadCorpus([path.join(e, 't.txt')], { chunkBytes });
      assert.strictEqual(c.vocab.decode(c.ids), text, `chunkBytes=${chunkBytes}`);
      assert.deepStrictEqual(c.vocab.codePoints, whole.vocab.codePoints);
    }
  });

  it('fine-tuning with a given vocab counts unknown characters and maps them to the fallback', () => {
    const e = tmpDir();
    fs.writeFileSync(path.join(e, 'f.txt'), 'abc 世界 abc🙂');
    const v = Vocab.fromText('abc ');
    const c = loadCorpus([path.join(e, 'f.txt')], { vocab: v });
    assert.strictEqual(c.vocab, v);
    assert.strictEqual(c.unknownChars, 3);
    assert.deepStrictEqual(new Set(c.unknownSample), new Set(['世', '界', '🙂']));
    assert.strictEqual(c.vocab.decode(c.ids), 'abc    abc ');
    const t = corpusFromText('ab世', v);
    assert.strictEqual(t.unknownChars, 1);
    assert.deepStrictEqual(Array.from(t.ids), [v.id(0x61), v.id(0x62), v.fallbackId]);
  });

  it('maxBytes caps the corpus', () => {
    throwsData(() => loadCorpus([d], { maxBytes: 8, maxFileBytes: 1000 }), /too large/);
  });

  it('corpusFromText builds a vocab, strips a BOM and refuses empty text', () => {
    const c = corpusFromText('\uFEFF' + MIXED);
    assert.strictEqual(c.vocab.decode(c.ids), MIXED);
    assert.deepStrictEqual(c.files, ['selection']);
    assert.strictEqual(c.bytes, Buffer.byteLength(MIXED));
    throwsData(() => corpusFromText(''), /selection is empty/);
  });

  it('a ~30 MB file loads with extra memory well under 3x the file', function () {
    this.timeout(120000);
    const e = tmpDir();
    const file = path.join(e, 'big.txt');
    const line = 'The quick brown fox jumps over the lazy dog; 世界 🙂 0123456789.\n';
    const lineBytes = Buffer.byteLength(line);
    const fd = fs.openSync(file, 'w');
    const block = line.repeat(Math.floor((1 << 20) / lineBytes));
    let size = 0;
    while (size < 30 * (1 << 20)) size += fs.writeSync(fd, block);
    fs.closeSync(fd);
    global.gc?.();
    const before = process.memoryUsage();
    let peakAb = 0;
    let peakRss = 0;
    const c = loadCorpus([file], {
      onProgress: () => {
        const m = process.memoryUsage();
        peakAb = Math.max(peakAb, m.arrayBuffers - before.arrayBuffers);
        peakRss = Math.max(peakRss, m.rss - before.rss);
      },
    });
    const after = process.memoryUsage();
    peakAb = Math.max(peakAb, after.arrayBuffers - before.arrayBuffers);
    peakRss = Math.max(peakRss, after.rss - before.rss);
    const chars = (size / lineBytes) * [...line].length;
    assert.strictEqual(c.chars, chars);
    assert.strictEqual(c.bytes, size);
    // the ids (2 bytes per char, < 2x the file) plus one 4 MB read buffer
    assert.ok(peakAb < 2.2 * size, `arrayBuffers grew ${(peakAb / 1e6).toFixed(0)} MB for a ${(size / 1e6).toFixed(0)} MB file`);
    assert.ok(peakRss < 3 * size, `rss grew ${(peakRss / 1e6).toFixed(0)} MB for a ${(size / 1e6).toFixed(0)} MB file`);
    assert.strictEqual(c.vocab.decode(c.ids.subarray(0, [...line].length)), line);
    fs.rmSync(e, { recursive: true, force: true });
  });
});
