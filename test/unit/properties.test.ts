/**
 * Property-based tests (fast-check) on inputs nobody here wrote:
 *   - CSV files generated with quotes, delimiters, BOM, CRLF, empty cells, read in small chunks, against papaparse run
 *     on the whole string;
 *   - text decoding of random byte strings: valid UTF-8 (and UTF-16 with a BOM) round-trips, invalid input is refused,
 *     never garbled;
 *   - random option sets: N steps, then an exact resume for M more, ends with the same bytes as N+M straight.
 * Each property runs from a fixed seed (printed in its title) so a failure replays; SEQLAB_FC_SEED picks another.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import Papa from 'papaparse';
import { parseNumberCell } from '../../src/data/csv/cells';
import { parseCsvFile } from '../../src/data/csv/parse';
import { decodeTextBytes } from '../../src/data/decode';
import { loadCorpus } from '../../src/data/text';
import { decodeCheckpoint } from '../../src/engine/checkpoint';
import type { TrainOptions } from '../../src/engine/options';
import { CHECKPOINT_FILE } from '../../src/protocol/model';
import { createControl, type TrainRequest } from '../../src/protocol/worker';
import { runTraining } from '../../src/worker/run';

import { SEED } from './fc-seed';

describe(`property-based tests (fast-check, seed ${SEED})`, function () {
  this.timeout(600000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'seqlab-prop-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  // ---- CSV ---------------------------------------------------------------------------------------------------
  const numberCell = fc.oneof(
    fc.integer({ min: -100000, max: 100000 }).map(String),
    fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }).map((x) => String(Math.round(x * 1000) / 1000)),
    fc.constantFrom('', 'NA', ' 12 ', '-0', '1e3', '3.25'),
  );
  // text with the characters that make CSV hard: delimiters, quotes, newlines, non-ASCII
  const textCell = fc
    .string({ unit: fc.constantFrom('a', 'b', 'Z', ' ', ',', ';', '\t', '"', '\n', '\r\n', 'é', '日', '🙂'), minLength: 1, maxLength: 12 })
    .filter((t) => /[a-zA-Zé日🙂]/u.test(t));
  const table = fc.record({
    delimiter: fc.constantFrom(',', ';', '\t'),
    newline: fc.constantFrom('\n', '\r\n'),
    bom: fc.boolean(),
    kinds: fc.array(fc.constantFrom('num', 'text'), { minLength: 1, maxLength: 5 }).map((k) => ['num', ...k] as ('num' | 'text')[]),
    rows: fc.integer({ min: 2, max: 40 }),
    chunkBytes: fc.integer({ min: 4, max: 300 }),
    seed: fc.integer({ min: 1, max: 1 << 30 }),
    finalNewline: fc.boolean(),
  });

  it('CSV: a generated file read in small chunks gives the cells papaparse finds in the whole string', () => {
    fc.assert(
      fc.property(table, fc.infiniteStream(fc.tuple(numberCell, textCell)), (t, cells) => {
        const quote = (s: string) => (/[",;\t\r\n]/.test(s) || s !== s.trim() ? `"${s.replaceAll('"', '""')}"` : s);
        const header = t.kinds.map((k, j) => `${k === 'num' ? 'value' : 'label'}_${j}`);
        const body: string[][] = [];
        const it = cells[Symbol.iterator]();
        for (let r = 0; r < t.rows; r++)
          body.push(
            t.kinds.map((k) => {
              const [n, s] = it.next().value!;
              return k === 'num' ? n : s;
            }),
          );
        // a numeric column needs numbers to be one; keep at least one number in each
        for (let j = 0; j < t.kinds.length; j++) if (t.kinds[j] === 'num') body[0]![j] = String(j + 0.5);
        const text =
          (t.bom ? '\ufeff' : '') + [header, ...body].map((row) => row.map(quote).join(t.delimiter)).join(t.newline) + (t.finalNewline ? t.newline : '');
        const file = join(dir, 'gen.csv');
        writeFileSync(file, text);
        const got = parseCsvFile(file, { chunkBytes: t.chunkBytes, delimiter: t.delimiter });
        const ref = Papa.parse<string[]>(text.replace(/^\ufeff/, ''), { delimiter: t.delimiter, newline: t.newline, skipEmptyLines: 'greedy' });
        assert.deepEqual(ref.errors, [], 'papaparse reads the generated file');
        const refRows = ref.data.slice(1);
        assert.equal(got.rows, refRows.length);
        assert.deepEqual(
          got.columns.map((c) => c.name),
          ref.data[0],
        );
        for (let j = 0; j < t.kinds.length; j++) {
          const col = got.columns[j]!;
          if (t.kinds[j] === 'text') {
            assert.equal(col.kind, 'text', `${col.name}: ${JSON.stringify(refRows.map((r) => r[j]))}`);
            continue;
          }
          assert.equal(col.kind, 'numeric', col.name);
          const want = refRows.map((r) => parseNumberCell(r[j]!, t.delimiter));
          assert.deepEqual(Array.from(col.values!), want, col.name);
        }
      }),
      { numRuns: 150, seed: SEED },
    );
  });

  // ---- text decoding -----------------------------------------------------------------------------------------
  // text a user would have: no C0 control characters but tab, newlines, FF and VT (those make a file look binary)
  const isControl = (s: string) =>
    Array.from(s).some((c) => {
      const n = c.codePointAt(0)!;
      return (n < 0x20 && ![9, 10, 11, 12, 13].includes(n)) || n === 0x7f;
    });
  const printable = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 200 }).filter((s) => !isControl(s) && s !== '\ufeff');

  it('text: valid UTF-8 and UTF-16 (with a BOM) round-trip, in memory and read from a file in small chunks', () => {
    fc.assert(
      fc.property(printable, fc.constantFrom('utf-8', 'utf-8-bom', 'utf-16le', 'utf-16be'), fc.integer({ min: 4, max: 64 }), (s, enc, chunkBytes) => {
        const bytes =
          enc === 'utf-8'
            ? Buffer.from(s, 'utf8')
            : enc === 'utf-8-bom'
              ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(s, 'utf8')])
              : enc === 'utf-16le'
                ? Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(s, 'utf16le')])
                : Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(s, 'utf16le').swap16()]);
        assert.equal(decodeTextBytes(bytes), s);
        const file = join(dir, 'gen.txt');
        writeFileSync(file, bytes);
        const c = loadCorpus([file], { chunkBytes });
        assert.equal(c.vocab.decode(c.ids), s);
      }),
      { numRuns: 300, seed: SEED },
    );
  });

  it('text: random bytes are decoded exactly as a strict decoder would, or refused with one line; never garbled', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.integer({ min: 4, max: 16 }), (bytes, chunkBytes) => {
        const enc = bytes[0] === 0xff && bytes[1] === 0xfe ? 'utf-16le' : bytes[0] === 0xfe && bytes[1] === 0xff ? 'utf-16be' : 'utf-8';
        let strict: string | null;
        try {
          strict = new TextDecoder(enc, { fatal: true }).decode(bytes);
        } catch {
          strict = null;
        }
        const file = join(dir, 'rand.bin');
        writeFileSync(file, bytes);
        for (const read of [
          () => decodeTextBytes(bytes),
          () => {
            const c = loadCorpus([file], { chunkBytes });
            return c.vocab.decode(c.ids);
          },
        ]) {
          let out: string | null = null;
          try {
            out = read();
          } catch (e) {
            assert.equal((e as Error).name, 'DataError', (e as Error).stack);
            assert.ok(!(e as Error).message.includes('\n'));
          }
          if (out !== null) assert.equal(out, strict, 'what is read is what a strict decoder reads');
        }
      }),
      { numRuns: 500, seed: SEED },
    );
  });

  // ---- exact resume ------------------------------------------------------------------------------------------
  const options = fc.record({
    cell: fc.constantFrom('lstm', 'gru', 'rnn'),
    layers: fc.integer({ min: 1, max: 2 }),
    optimizer: fc.constantFrom('adam', 'sgd', 'rmsprop'),
    lr: fc.constantFrom(0.001, 0.003, 0.01),
    clip: fc.constantFrom(0, 0.5, 5),
    lrDecay: fc.constantFrom(1, 0.9),
    lrDecayEvery: fc.integer({ min: 1, max: 5 }),
    dropout: fc.constantFrom(0, 0.25),
    patience: fc.integer({ min: 0, max: 2 }),
    evalEvery: fc.integer({ min: 2, max: 6 }),
    valSplit: fc.constantFrom('tail', 'spread'),
    batch: fc.integer({ min: 1, max: 6 }),
    seq: fc.integer({ min: 4, max: 16 }),
    seed: fc.integer({ min: 0, max: 1000 }),
  });

  it('resume: N steps, then M more from the checkpoint, ends with the bytes of N+M straight, for random option sets', async () => {
    const text = readFileSync(join(__dirname, '..', '..', 'node_modules', 'typescript', 'README.md'), 'utf8').slice(0, 6000);
    const corpus = join(dir, 'corpus.txt');
    writeFileSync(corpus, text);
    let run = 0;
    await fc.assert(
      fc.asyncProperty(options, fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), async (o, N, M) => {
        const id = `r${run++}`;
        const req = (name: string, opts: Partial<TrainOptions>, resume?: TrainRequest['resume']): TrainRequest => ({
          jobId: name,
          name,
          outDir: join(dir, name),
          sources: { files: [corpus] },
          control: createControl(),
          options: opts,
          resume,
        });
        const base = { ...o, hidden: 8, emb: 4, sampleChars: 0, valFraction: 0.2 } as Partial<TrainOptions>;
        const straight = await runTraining(req(`${id}-straight`, { ...base, steps: N + M }));
        const first = await runTraining(req(`${id}-split`, { ...base, steps: N }));
        // what a CLI resume sends: only the budget, every other option unset
        const resumed =
          first.steps < N
            ? first
            : await runTraining(
                req(`${id}-split`, { steps: M, lr: undefined, clip: undefined, optimizer: undefined }, { from: join(dir, `${id}-split`), mode: 'exact' }),
              );
        assert.equal(resumed.steps, straight.steps);
        const a = decodeCheckpoint(readFileSync(join(dir, `${id}-straight`, CHECKPOINT_FILE)));
        const b = decodeCheckpoint(readFileSync(join(dir, `${id}-split`, CHECKPOINT_FILE)));
        const bytes = (x: Float32Array) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);
        for (const k of ['params', 'optimizer', 'bestParams'] as const) assert.ok(bytes(a[k]).equals(bytes(b[k])), k);
        for (let l = 0; l < a.h.length; l++) assert.ok(bytes(a.h[l]!).equals(bytes(b.h[l]!)) && bytes(a.c[l]!).equals(bytes(b.c[l]!)), `state ${l}`);
        assert.deepEqual({ ...b.trainer, trainSeconds: 0 }, { ...a.trainer, trainSeconds: 0 });
        assert.deepEqual({ ...b.options, steps: 0 }, { ...a.options, steps: 0 });
        rmSync(join(dir, `${id}-straight`), { recursive: true });
        rmSync(join(dir, `${id}-split`), { recursive: true });
      }),
      { numRuns: 40, seed: SEED },
    );
  });
});
