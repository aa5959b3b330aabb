import * as assert from 'assert';
import { DataError } from '../../src/data/errors';
import { StreamBatcher, maxBatchFor, minTrainableChars, requireTrainable, splitTrainVal, spreadSplit, trainValIds } from '../../src/data/batches';

/** ids[i] = i, so every value tells its position */
function iota(n: number, offset = 0): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i + offset;
  return a;
}

describe('data/batches', () => {
  it('streams are contiguous, y is x shifted by one, layout is (T,B)', () => {
    const ids = iota(100);
    const B = 3;
    const T = 4;
    const bt = new StreamBatcher(ids, 5, 90, B, T); // S = floor(84/3) = 28, 7 batches per epoch
    assert.strictEqual(bt.S, 28);
    assert.strictEqual(bt.batchesPerEpoch, 7);
    const x = new Int32Array(T * B);
    const y = new Int32Array(T * B);
    for (let k = 0; k < 7; k++) {
      bt.next(x, y);
      for (let b = 0; b < B; b++) {
        for (let t = 0; t < T; t++) {
          assert.strictEqual(x[t * B + b], 5 + b * 28 + k * T + t, `x k=${k} b=${b} t=${t}`);
          assert.strictEqual(y[t * B + b], x[t * B + b]! + 1);
        }
      }
    }
    // never reads outside [start, end)
    assert.ok(5 + 2 * 28 + 6 * T + T <= 89);
  });

  it('each stream continues where the previous batch left off', () => {
    const bt = new StreamBatcher(iota(1000), 0, 1000, 4, 10);
    const x = new Int32Array(40);
    const y = new Int32Array(40);
    bt.next(x, y);
    const lastY = Array.from({ length: 4 }, (_, b) => y[9 * 4 + b]!);
    bt.next(x, y);
    for (let b = 0; b < 4; b++) assert.strictEqual(x[b], lastY[b], 'first x of a batch = last y of the previous one');
  });

  it('flags the first batch of every epoch and wraps to the stream starts', () => {
    const bt = new StreamBatcher(iota(25), 0, 25, 2, 5); // S = 12, 2 batches per epoch
    assert.strictEqual(bt.batchesPerEpoch, 2);
    const x = new Int32Array(10);
    const y = new Int32Array(10);
    const flags: boolean[] = [];
    const firstX: number[] = [];
    for (let k = 0; k < 5; k++) {
      flags.push(bt.next(x, y));
      firstX.push(x[0]!);
    }
    assert.deepStrictEqual(flags, [true, false, true, false, true]);
    assert.deepStrictEqual(firstX, [0, 5, 0, 5, 0]);
    assert.deepStrictEqual(bt.state, { pos: 5, epoch: 2 });
    assert.strictEqual(bt.epochProgress, 2.5);
  });

  it('state save/restore resumes identically', () => {
    const ids = iota(500, 7);
    const a = new StreamBatcher(ids, 0, 500, 3, 8);
    const xa = new Int32Array(24);
    const ya = new Int32Array(24);
    for (let k = 0; k < 30; k++) a.next(xa, ya);
    const saved = JSON.parse(JSON.stringify(a.state));
    const b = new StreamBatcher(ids, 0, 500, 3, 8);
    b.state = saved;
    const xb = new Int32Array(24);
    const yb = new Int32Array(24);
    for (let k = 0; k < 50; k++) {
      assert.strictEqual(a.next(xa, ya), b.next(xb, yb));
      assert.deepStrictEqual(xb, xa);
      assert.deepStrictEqual(yb, ya);
    }
    assert.deepStrictEqual(a.state, b.state);
    assert.throws(() => {
      b.state = { pos: 3 * 1000, epoch: 0 };
    }, RangeError);
    assert.throws(() => {
      b.state = { pos: -1, epoch: 0 };
    }, RangeError);
  });

  it('too-short text gives the clear message', () => {
    assert.strictEqual(minTrainableChars(32, 64), 2049);
    assert.throws(
      () => requireTrainable(150, 32, 64),
      (e: unknown) => {
        assert.ok(e instanceof DataError);
        assert.strictEqual(e.message, 'The text is too short to train on: 150 characters; need at least B*T+1 = 2049 (try a smaller batch or seq).');
        return true;
      },
    );
    requireTrainable(2049, 32, 64);
    assert.throws(() => new StreamBatcher(iota(100), 0, 100, 10, 10), DataError);
    new StreamBatcher(iota(101), 0, 101, 10, 10);
    assert.throws(() => requireTrainable(100, 0, 10), /batch size/);
    assert.throws(() => requireTrainable(100, 2, 1.5), /seq/);
    assert.throws(() => new StreamBatcher(iota(10), 5, 11, 1, 1), RangeError);
  });

  it('maxBatchFor gives the largest batch that fits', () => {
    assert.strictEqual(maxBatchFor(101, 10), 10);
    assert.strictEqual(maxBatchFor(100, 10), 9);
    assert.strictEqual(maxBatchFor(10, 10), 0);
    for (const n of [11, 57, 300]) requireTrainable(n, maxBatchFor(n, 10), 10);
  });

  it('splitTrainVal: train first, validation last', () => {
    assert.deepStrictEqual(splitTrainVal(1000), { train: [0, 900], val: [900, 1000] });
    assert.deepStrictEqual(splitTrainVal(1000, 0.25), { train: [0, 750], val: [750, 1000] });
    assert.deepStrictEqual(splitTrainVal(1000, 0), { train: [0, 1000], val: [1000, 1000] });
    assert.throws(() => splitTrainVal(1000, 1), DataError);
    assert.throws(() => splitTrainVal(1000, -0.1), DataError);
    assert.throws(() => splitTrainVal(1000, NaN), DataError);
  });

  it('spreadSplit: validation blocks spread over the text; together they are the text, in order', () => {
    const n = 100_000;
    const ids = Int32Array.from({ length: n }, (_, i) => i); // each id is its own position
    const { train, val, blocks } = spreadSplit(ids, 0.1);
    assert.equal(blocks, 9); // floor(10,000 / 1024) blocks of 1111
    assert.equal(val.length, 9 * 1111);
    assert.equal(train.length + val.length, n);
    // a partition: every position once, each part in increasing order
    const seen = new Uint8Array(n);
    for (const part of [train, val])
      for (let i = 0; i < part.length; i++) {
        seen[part[i]!]++;
        if (i) assert.ok(part[i]! > part[i - 1]!);
      }
    assert.ok(seen.every((c) => c === 1));
    // every ninth of the text has both training and validation characters: the end of the text is trained on
    for (let j = 0; j < 9; j++) {
      const lo = Math.floor((j * n) / 9),
        hi = Math.floor(((j + 1) * n) / 9);
      assert.ok(
        val.some((x) => x >= lo && x < hi),
        `validation in part ${j}`,
      );
      assert.ok(
        train.some((x) => x >= lo && x < hi),
        `training in part ${j}`,
      );
    }
    assert.equal(val[val.length - 1], n - 1, 'the last block ends with the text');
    assert.ok(
      train.some((x) => x > n - n / 9 + 100),
      'the tail is trained on (the tail split never would be)',
    );
    // Uint16 corpora stay Uint16
    assert.ok(
      spreadSplit(
        Uint16Array.from({ length: 30_000 }, (_, i) => i % 65),
        0.2,
      ).train instanceof Uint16Array,
    );
    assert.equal(spreadSplit(ids, 0.1, 4).blocks, 4, 'maxBlocks');
  });

  it('spreadSplit: too little validation for two blocks is the tail, as splitTrainVal; 0 is none', () => {
    const ids = Int32Array.from({ length: 5000 }, (_, i) => i);
    const s = spreadSplit(ids, 0.1);
    assert.equal(s.blocks, 1);
    assert.deepEqual([s.train[0], s.train.length, s.val[0], s.val.length], [0, 4500, 4500, 500]);
    const none = spreadSplit(ids, 0);
    assert.deepEqual([none.train.length, none.val.length, none.blocks], [5000, 0, 0]);
    assert.throws(() => spreadSplit(ids, 1), DataError);
  });

  it('trainValIds: the tail split as views of the ids, or the spread split', () => {
    const ids = Int32Array.from({ length: 50_000 }, (_, i) => i);
    const t = trainValIds(ids, 0.1, 'tail');
    assert.deepEqual([t.train[0], t.train.length, t.val[0], t.val.length, t.blocks], [0, 45_000, 45_000, 5000, 1]);
    assert.equal(t.train.buffer, ids.buffer, 'views, not copies');
    const s = trainValIds(ids, 0.1, 'spread');
    assert.deepEqual([s.blocks, s.val.length], [4, 5000]);
    assert.deepEqual(s.val, spreadSplit(ids, 0.1).val);
  });
});
