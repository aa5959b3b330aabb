/**
 * Decoders over a stepper: beam search on hand-built toy models (checked against brute force), sampling
 * reproducibility, stop strings, and identical choices on the onnxruntime path and the TypeScript engine.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { ModelConfig } from '../../src/engine/config';
import { Model } from '../../src/engine/model';
import { paramLayout } from '../../src/engine/params';
import { Rng } from '../../src/engine/rng';
import { generate } from '../../src/engine/sampling';
import { Vocab } from '../../src/data/vocab';
import { type TokenStepper, PrefixCache, beamSearch, sampleText } from '../../src/onnx/decode';
import { exportOnnx } from '../../src/onnx/export';
import { OnnxModel } from '../../src/onnx/runtime';

/** A Markov toy model: the next-token distribution depends only on the last token (row `start` before any). */
class MarkovStepper implements TokenStepper {
  steps = 0;
  constructor(
    private readonly probs: number[][],
    private last = -1,
  ) {}
  private logits(): Float32Array {
    return Float32Array.from(this.probs[this.last + 1]!, (p) => Math.log(p));
  }
  prime(tokens: ArrayLike<number>): Float32Array {
    this.last = tokens[tokens.length - 1]!;
    this.steps++;
    return this.logits();
  }
  step(token: number): Float32Array {
    this.last = token;
    this.steps++;
    return this.logits();
  }
  fork(): MarkovStepper {
    return new MarkovStepper(this.probs, this.last);
  }
  first(): Float32Array {
    return this.logits();
  }
}
const ABC = { decode: (ids: ArrayLike<number>) => Array.from(ids, (i) => 'abc.'[i]!).join('') };

function bruteForce(probs: number[][], len: number, V: number): { ids: number[]; logProb: number } {
  let best = { ids: [] as number[], logProb: -Infinity };
  const rec = (ids: number[], lp: number, last: number) => {
    if (ids.length === len) {
      if (lp > best.logProb) best = { ids, logProb: lp };
      return;
    }
    for (let v = 0; v < V; v++) rec([...ids, v], lp + Math.log(probs[last + 1]![v]!), v);
  };
  rec([], 0, -1);
  return best;
}

describe('beam search', () => {
  // rows: start, after a, after b, after c, after '.'
  const toy = [
    [0.5, 0.4, 0.0999, 0.0001],
    [0.25, 0.25, 0.25, 0.25],
    [0.03, 0.9, 0.03, 0.04],
    [0.01, 0.01, 0.97, 0.01],
    [0.25, 0.25, 0.25, 0.25],
  ];

  it('finds the highest-scoring sequence on a toy model where greedy does not', async () => {
    const greedy = await sampleText(new MarkovStepper(toy), new MarkovStepper(toy).first(), ABC, { length: 3, greedy: true });
    assert.equal(greedy.text, 'aaa'); // 0.5 * 0.25 * 0.25 = 0.031
    const best = bruteForce(toy, 3, 4);
    assert.deepEqual(best.ids, [1, 1, 1]); // 0.4 * 0.9 * 0.9 = 0.324
    const hyps = await beamSearch(new MarkovStepper(toy), new MarkovStepper(toy).first(), ABC, { width: 2, length: 3 });
    assert.equal(hyps[0]!.text, 'bbb');
    assert.ok(Math.abs(hyps[0]!.logProb - Math.log(0.324)) < 1e-6);
    // width 1 is greedy
    const one = await beamSearch(new MarkovStepper(toy), new MarkovStepper(toy).first(), ABC, { width: 1, length: 3 });
    assert.equal(one[0]!.text, 'aaa');
  });

  it('equals exhaustive search on random Markov models when wide enough, and bookkeeping of forks is right', async () => {
    const rng = new Rng(11);
    for (let trial = 0; trial < 20; trial++) {
      const V = 4,
        len = 4;
      const probs = Array.from({ length: V + 1 }, () => {
        const row = Array.from({ length: V }, () => Math.exp(3 * rng.normal()));
        const s = row.reduce((a, b) => a + b, 0);
        return row.map((x) => x / s);
      });
      const best = bruteForce(probs, len, V);
      const root = new MarkovStepper(probs);
      const hyps = await beamSearch(root, root.first(), ABC, { width: V ** (len - 1), length: len });
      assert.deepEqual(hyps[0]!.ids, best.ids, `trial ${trial}`);
      assert.ok(Math.abs(hyps[0]!.logProb - best.logProb) < 1e-5); // logits are float32
      // every hypothesis's logProb is the true probability of its ids
      for (const h of hyps.slice(0, 10)) {
        let lp = 0,
          last = -1;
        for (const id of h.ids) {
          lp += Math.log(probs[last + 1]![id]!);
          last = id;
        }
        assert.ok(Math.abs(lp - h.logProb) < 1e-5);
      }
    }
  });

  it('stops hypotheses at stop strings and stop tokens, cutting them', async () => {
    const root = new MarkovStepper([
      [0.1, 0.6, 0.1, 0.2],
      [0.25, 0.25, 0.25, 0.25],
      [0.05, 0.05, 0.05, 0.85],
      [0.25, 0.25, 0.25, 0.25],
      [0.25, 0.25, 0.25, 0.25],
    ]);
    const h = await beamSearch(root, root.first(), ABC, { width: 3, length: 6, stop: ['.'] });
    assert.equal(h[0]!.text, 'b');
    assert.ok(h[0]!.finished);
    assert.deepEqual(h[0]!.ids, [1, 3]);
    const root2 = new MarkovStepper(root['probs']);
    const h2 = await beamSearch(root2, root2.first(), ABC, { width: 3, length: 6, stopTokens: [3] });
    assert.deepEqual(h2[0]!.ids, [1]);
    assert.equal(h2[0]!.text, 'b');
    await assert.rejects(beamSearch(root, root.first(), ABC, { width: 0, length: 3 }), /beam width/);
  });
});

describe('sampling over a stepper', () => {
  const rows = [
    [0.3, 0.3, 0.2, 0.2],
    [0.4, 0.1, 0.4, 0.1],
    [0.2, 0.2, 0.3, 0.3],
    [0.1, 0.5, 0.2, 0.2],
    [0.25, 0.25, 0.25, 0.25],
  ];
  const run = (o: Parameters<typeof sampleText>[3]) => {
    const s = new MarkovStepper(rows);
    return sampleText(s, s.first(), ABC, o);
  };

  it('is reproducible from its seed for every decoder setting', async () => {
    for (const o of [{}, { temperature: 0.7 }, { topK: 2 }, { topP: 0.6 }, { temperature: 1.5, topK: 3, topP: 0.9 }]) {
      const a = await run({ length: 60, seed: 42, ...o });
      const b = await run({ length: 60, seed: 42, ...o });
      const c = await run({ length: 60, seed: 43, ...o });
      assert.equal(a.text, b.text, JSON.stringify(o));
      assert.notEqual(a.text, c.text, JSON.stringify(o));
    }
  });

  it('top-k=1 and greedy agree; top-k=2 only emits the two likeliest tokens', async () => {
    const g = await run({ length: 30, greedy: true });
    const k1 = await run({ length: 30, topK: 1, seed: 9 });
    assert.equal(g.text, k1.text);
    // after '.', rows[4] is uniform: top-2 keeps a and b (ties → lower id); after b (rows[2]) it keeps c and '.'
    const k2 = await run({ length: 200, topK: 2, seed: 3 });
    let last = -1;
    for (const id of k2.ids) {
      const row = rows[last + 1]!;
      const top2 = Array.from(row.keys())
        .sort((x, y) => row[y]! - row[x]! || x - y)
        .slice(0, 2);
      assert.ok(top2.includes(id), `token ${id} after ${last} is outside the top 2`);
      last = id;
    }
  });

  it('cuts at a stop string and reports why it stopped', async () => {
    const r = await run({ length: 500, seed: 1, stop: ['ca'] });
    assert.equal(r.stoppedBy, 'stop');
    assert.ok(!r.text.includes('ca'));
    assert.ok(ABC.decode(r.ids).endsWith('ca'));
    const n = await run({ length: 5, seed: 1, cancelled: () => true });
    assert.equal(n.stoppedBy, 'cancelled');
    await assert.rejects(run({ length: 5, temperature: 0 }), /temperature must be > 0/);
  });
});

describe('onnxruntime path and TypeScript engine pick the same text', () => {
  it('greedy and seeded sampling give identical text through both paths', async () => {
    const fx = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'parity', 'char_lstm_l2.json'), 'utf8')) as {
      config: ModelConfig;
      params: Record<string, number[]>;
    };
    const { entries, total } = paramLayout(fx.config);
    const p = new Float32Array(total);
    for (const e of entries) p.set(fx.params[e.name]!, e.offset);
    const vocab = Vocab.fromText('abcdefg');
    const engine = new Model(fx.config, { params: p });
    const onnx = await OnnxModel.load(exportOnnx(fx.config, p, { vocab: vocab.codePoints }));
    try {
      for (const o of [{ greedy: true }, { temperature: 0.9, seed: 5 }, { topK: 3, topP: 0.9, seed: 6 }]) {
        const want = generate(engine, vocab, { prime: 'bad', length: 40, ...o });
        const s = onnx.stepper();
        const first = await s.prime(vocab.encode('bad'));
        const got = await sampleText(s, first, vocab, { length: 40, ...o });
        assert.equal(got.text, want, JSON.stringify(o));
      }
    } finally {
      await onnx.dispose();
    }
  });
});

describe('PrefixCache', () => {
  it('runs only the new tokens of a context that extends a cached one, and gives the same logits', async () => {
    const rows = [
      [0.3, 0.3, 0.2, 0.2],
      [0.4, 0.1, 0.4, 0.1],
      [0.2, 0.2, 0.3, 0.3],
      [0.1, 0.5, 0.2, 0.2],
      [0.25, 0.25, 0.25, 0.25],
    ];
    const fed: number[] = [];
    class Counting extends MarkovStepper {
      override prime(t: ArrayLike<number>) {
        fed.push(t.length);
        return super.prime(t);
      }
      override fork(): Counting {
        const f = new Counting(rows);
        (f as unknown as { last: number }).last = (this as unknown as { last: number }).last;
        return f;
      }
    }
    const cache = new PrefixCache(() => new Counting(rows), 2);
    const a = await cache.advance([0, 1, 2, 3]);
    assert.equal(a.reused, 0);
    const b = await cache.advance([0, 1, 2, 3, 1]);
    assert.equal(b.reused, 4);
    assert.deepEqual(fed, [4, 1]);
    assert.deepEqual(Array.from(b.logits), Array.from(new MarkovStepper(rows).prime([1])));
    // the returned stepper is a fork: stepping it does not disturb the cache
    await b.stepper.step(0);
    const c = await cache.advance([0, 1, 2, 3, 1]);
    assert.equal(c.reused, 5);
    assert.deepEqual(Array.from(c.logits), Array.from(b.logits));
    assert.deepEqual(fed, [4, 1]);
    // a different context misses; capacity 2 evicts the least recently used
    await cache.advance([2, 2]);
    await cache.advance([3]);
    const d = await cache.advance([0, 1, 2, 3, 0]);
    assert.equal(d.reused, 0);
    assert.equal(cache.hits, 2);
  });
});
