/**
 * The hidden-state panel's insight tools (src/worker/insight): PCA against numpy's SVD (fixture written by
 * test/fixtures/insight/make_pca.py), nearest states, saliency against finite differences in float64 and the
 * completeness of integrated gradients, ablation against a hand-computed RNN, and linear probes on planted features.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { charConfig } from '../../src/engine/config';
import { refKernels } from '../../src/engine/kernels';
import { createWasmKernels } from '../../src/engine/kernels-wasm';
import { Model } from '../../src/engine/model';
import { Rng } from '../../src/engine/rng';
import { ablate, clampValues, perCharBits } from '../../src/worker/insight/ablation';
import { nearestStates, pca, samplePositions, umap } from '../../src/worker/insight/pca';
import { linearProbe } from '../../src/worker/insight/probe';
import { saliency } from '../../src/worker/insight/saliency';
import {
  charClass,
  contextAround,
  fitPoints,
  insidePolygon,
  lassoPoints,
  parseUnits,
  pointAt,
  probeLift,
  splitByFeature,
  userFeature,
} from '../../src/webview/shared/insight';

interface PcaFixture {
  T: number;
  H: number;
  factors: number;
  components: number[][];
  explained: number[];
  coordsFirst10: number[][];
}
const fixtures = JSON.parse(readFileSync(join(__dirname, '../fixtures/insight/pca.json'), 'utf8')) as Record<string, PcaFixture>;

/** the closed formula of make_pca.py */
function insightMatrix(T: number, H: number, factors: number): Float32Array {
  const X = new Float64Array(T * H);
  for (let m = 0; m < factors; m++) {
    const s = 2 ** (-0.5 * m);
    for (let i = 0; i < T; i++) {
      const z = Math.sin(0.7 * (m + 1) * i + m);
      for (let j = 0; j < H; j++) X[i * H + j] += s * z * Math.cos(0.3 * j * (m + 1) + 0.2 * m);
    }
  }
  for (let i = 0; i < T; i++) for (let j = 0; j < H; j++) X[i * H + j] += 0.01 * Math.sin(0.013 * i * j + j);
  return Float32Array.from(X);
}

describe('insight: PCA', () => {
  for (const [name, f] of Object.entries(fixtures)) {
    for (const backend of ['ref', 'wasm'] as const) {
      it(`${name} (${f.T}×${f.H}, ${f.H > 160 ? 'subspace iteration' : 'direct'}) matches numpy's SVD, ${backend} kernels`, async () => {
        const k = backend === 'ref' ? refKernels : await createWasmKernels();
        assert.ok(k, 'the WebAssembly kernels load in Node 20');
        const X = insightMatrix(f.T, f.H, f.factors);
        const p = pca(k, X, f.T, f.H, 3);
        assert.equal(p.k, 3);
        for (let j = 0; j < 3; j++) {
          assert.ok(Math.abs(p.explained[j]! - f.explained[j]!) < 1e-5, `explained ${j}: ${p.explained[j]} vs ${f.explained[j]}`);
          for (let u = 0; u < f.H; u++) {
            const d = Math.abs(p.components[u * 3 + j]! - f.components[u]![j]!);
            assert.ok(d < 2e-4, `component ${j} unit ${u}: ${p.components[u * 3 + j]} vs ${f.components[u]![j]}`);
          }
        }
        for (let i = 0; i < 10; i++) for (let j = 0; j < 3; j++) assert.ok(Math.abs(p.coords[i * 3 + j]! - f.coordsFirst10[i]![j]!) < 2e-3, `coord ${i},${j}`);
      });
    }
  }

  it('rejects a text of one position', () => {
    assert.throws(() => pca(refKernels, new Float32Array(4), 1, 4), /at least 2/);
  });

  it('UMAP places two well-separated clusters apart', async () => {
    const T = 400,
      H = 8,
      rng = new Rng(3);
    const X = new Float32Array(T * H);
    for (let t = 0; t < T; t++) for (let u = 0; u < H; u++) X[t * H + u] = (t < 200 ? 5 : -5) * (u === 0 ? 1 : 0) + rng.normal() * 0.3;
    const r = await umap(refKernels, X, T, H, { maxPoints: 200 });
    assert.deepEqual(Array.from(r.index), Array.from(samplePositions(T, 200)));
    const centre = (lo: number, hi: number) => {
      const c = [0, 0];
      let n = 0;
      for (let i = 0; i < r.index.length; i++)
        if (r.index[i]! >= lo && r.index[i]! < hi) {
          c[0] += r.coords[2 * i]!;
          c[1] += r.coords[2 * i + 1]!;
          n++;
        }
      return c.map((v) => v / n);
    };
    const spread = (lo: number, hi: number, c: number[]) => {
      let s = 0,
        n = 0;
      for (let i = 0; i < r.index.length; i++)
        if (r.index[i]! >= lo && r.index[i]! < hi) {
          s += Math.hypot(r.coords[2 * i]! - c[0]!, r.coords[2 * i + 1]! - c[1]!);
          n++;
        }
      return s / n;
    };
    const a = centre(0, 200),
      b = centre(200, 400);
    const gap = Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!);
    assert.ok(gap > 2 * Math.max(spread(0, 200, a), spread(200, 400, b)), `clusters ${gap} apart`);
  });
});

describe('insight: nearest states', () => {
  it('finds the planted copies of the query state and skips the query’s own neighbourhood', () => {
    const T = 300,
      H = 16,
      rng = new Rng(5);
    const X = new Float32Array(T * H);
    for (let i = 0; i < X.length; i++) X[i] = rng.normal();
    for (const t of [40, 41, 250]) X.set(X.subarray(100 * H, 101 * H), t * H);
    X.set(X.subarray(100 * H, 101 * H), 101 * H); // next to the query: excluded
    const n = nearestStates(X, T, H, [100], 3);
    assert.deepEqual(
      n.map((x) => x.t),
      [40, 41, 250],
    );
    assert.ok(n.every((x) => x.dist < 1e-6));
    assert.deepEqual(nearestStates(X, T, H, [], 3), []);
  });
});

/** a float64 LSTM with a context of distinct characters (so each embedding row is one position's input) */
function saliencyCase() {
  const V = 14,
    rng = new Rng(11);
  const m = new Model(charConfig({ cell: 'lstm', layers: 2, hidden: 6, emb: 5, vocab: V }), { dtype: 'f64' });
  m.initParams(rng);
  for (let i = 0; i < m.params.data.length; i++) m.params.data[i] *= 2;
  const ids = [3, 7, 1, 12, 0, 9, 4, 11, 5];
  return { m, ids, V };
}
function logProb(m: Model, ctx: number[], target: number): number {
  const V = m.config.outputs,
    T = ctx.length;
  const lg = m.forward(ctx, T, 1, m.newState(1), false, null);
  let max = -Infinity;
  for (let v = 0; v < V; v++) max = Math.max(max, lg[(T - 1) * V + v]!);
  let z = 0;
  for (let v = 0; v < V; v++) z += Math.exp(lg[(T - 1) * V + v]! - max);
  return lg[(T - 1) * V + target]! - max - Math.log(z);
}

describe('insight: saliency', () => {
  it('gradient × input equals finite differences of log p on the embedded input (float64)', () => {
    const { m, ids } = saliencyCase();
    const pos = ids.length - 1;
    const s = saliency(m, ids, pos, { method: 'gradient' });
    assert.equal(s.start, 0);
    const emb = m.params.view('emb'),
      E = m.config.emb,
      eps = 1e-6;
    for (let t = 0; t <= pos; t++) {
      let fd = 0;
      for (let e = 0; e < E; e++) {
        const i = ids[t]! * E + e,
          x = emb[i]!;
        emb[i] = x + eps;
        const up = logProb(m, ids, s.target);
        emb[i] = x - eps;
        const down = logProb(m, ids, s.target);
        emb[i] = x;
        fd += (x * (up - down)) / (2 * eps);
      }
      assert.ok(Math.abs(fd - s.scores[t]!) < 1e-7 * Math.max(1, Math.abs(fd)), `position ${t}: ${s.scores[t]} vs ${fd}`);
    }
    assert.ok(Math.abs(Math.log(s.prob) - logProb(m, ids, s.target)) < 1e-9, 'the probability is the prediction’s');
  });

  it('integrated gradients are complete: they sum to log p(x) − log p(zero embeddings)', () => {
    const { m, ids } = saliencyCase();
    const pos = ids.length - 1;
    const s = saliency(m, ids, pos, { method: 'integrated', steps: 300 });
    const emb = m.params.view('emb');
    const full = logProb(m, ids, s.target);
    const saved = emb.slice();
    emb.fill(0);
    const zero = logProb(m, ids, s.target);
    emb.set(saved);
    const sum = s.scores.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - (full - zero)) < 1e-4 * Math.max(1, Math.abs(full - zero)), `Σ = ${sum}, Δ log p = ${full - zero}`);
    assert.ok(Math.abs(logProb(m, ids, s.target) - full) < 1e-12, 'the embedding table is restored');
  });

  it('the context is the window before the position, and a position outside the text is refused', () => {
    const { m, ids } = saliencyCase();
    const s = saliency(m, ids, 7, { window: 3 });
    assert.equal(s.start, 5);
    assert.equal(s.scores.length, 3);
    assert.throws(() => saliency(m, ids, ids.length), /outside the text/);
  });
});

describe('insight: ablation', () => {
  /** RNN, H=2, V=2, E=2, hand-set weights */
  function rnn(): Model {
    const m = new Model(charConfig({ cell: 'rnn', hidden: 2, emb: 2, vocab: 2 }), { dtype: 'f64' });
    const p = m.params;
    p.view('emb').set([0.5, -1, 1.5, 0.25]); // (V,E)
    p.view('W0').set([0.8, -0.4, 0.3, 0.9]); // (H,E)
    p.view('R0').set([0.6, 0.7, -0.5, 0.2]); // (H,H)
    p.view('B0').set([0.1, -0.2, 0.05, 0]); // Wb (H), Rb (H)
    p.view('headW').set([1, -2, 0.5, 1.5]); // (H,V): logits = h·W + b
    p.view('headB').set([0.3, -0.1]);
    return m;
  }
  it('a unit clamped to zero changes the logits as the hand computation says', () => {
    const m = rnn();
    const tanh = Math.tanh;
    // ids 0, 1 embed as (0.5, −1) and (1.5, 0.25)
    // step 1: h = tanh(W·x + Wb + Rb), then h[0] := 0
    const a1 = [0.8 * 0.5 + -0.4 * -1 + 0.1 + 0.05, 0.3 * 0.5 + 0.9 * -1 - 0.2 + 0];
    const h1 = [0, tanh(a1[1]!)];
    // step 2: h = tanh(W·x + R·h1 + b), then h[0] := 0
    const a2 = [0.8 * 1.5 - 0.4 * 0.25 + 0.6 * h1[0]! + 0.7 * h1[1]! + 0.15, 0.3 * 1.5 + 0.9 * 0.25 - 0.5 * h1[0]! + 0.2 * h1[1]! - 0.2];
    const h2 = [0, tanh(a2[1]!)];
    const logits = (h: number[]) => [1 * h[0]! + 0.5 * h[1]! + 0.3, -2 * h[0]! + 1.5 * h[1]! - 0.1];
    m.setClamp(0, { units: Int32Array.from([0]), values: Float32Array.from([0]) });
    const out = Array.from(m.forward([0, 1], 2, 1, m.newState(1), false, null));
    const want = [...logits(h1), ...logits(h2)];
    out.forEach((v, i) => assert.ok(Math.abs(v - want[i]!) < 1e-12, `logit ${i}: ${v} vs ${want[i]}`));
    m.setClamp(0, null);
    const free = Array.from(m.forward([0, 1], 2, 1, m.newState(1), false, null));
    assert.ok(Math.abs(free[2]! - want[2]!) > 1e-3, 'without the clamp the second step differs');
    assert.throws(() => m.setClamp(0, { units: Int32Array.from([2]), values: Float32Array.from([0]) }), /outside/);
  });

  it('ablate measures both runs with the same engine and releases the clamp', async () => {
    const rng = new Rng(2);
    const m = new Model(charConfig({ cell: 'gru', hidden: 8, emb: 4, vocab: 5 }));
    m.initParams(rng);
    const ids = Int32Array.from({ length: 2500 }, (_, i) => (i * 7 + (i >> 3)) % 5);
    const codec = {
      decode: (a: ArrayLike<number>) => Array.from(a, (v) => 'abcde'[v]!).join(''),
      encode: (s: string) => Array.from(s, (c) => 'abcde'.indexOf(c)),
    };
    const plain = await perCharBits(m, ids);
    const values = clampValues('zero', [0, 1, 2, 3, 4, 5], undefined, 8);
    const gen = { prime: 'ab', length: 60, temperature: 1, topK: 0, topP: 1, seed: 4, greedy: false };
    const r = await ablate(m, codec, ids, 0, [0, 1, 2, 3, 4, 5], values, gen);
    assert.deepEqual(Array.from(r.before), Array.from(plain));
    assert.equal(r.after.length, ids.length - 1);
    assert.notDeepEqual(Array.from(r.after), Array.from(r.before));
    assert.equal(r.textBefore.length, 60);
    assert.notEqual(r.textAfter, r.textBefore);
    assert.deepEqual(Array.from(await perCharBits(m, ids)), Array.from(plain), 'the clamp is released');
  });

  it('per-character bits read in parallel streams equal each stream read on its own', async () => {
    const m = new Model(charConfig({ cell: 'lstm', hidden: 8, emb: 4, vocab: 5 }));
    m.initParams(new Rng(6));
    const ids = Int32Array.from({ length: 4601 }, (_, i) => (i * 3 + (i >> 2)) % 5); // 4,600 predictions: 2 streams of 2,300
    const both = await perCharBits(m, ids, 16);
    const first = await perCharBits(m, ids.subarray(0, 2301), 1),
      second = await perCharBits(m, ids.subarray(2300), 1);
    const close = (a: Float32Array, b: Float32Array, at: number) => b.forEach((v, i) => assert.ok(Math.abs(a[at + i]! - v) < 1e-4, `position ${at + i}`));
    close(both, first, 0);
    close(both, second, 2300);
    assert.equal(both.length, 4600);
    // the sum is −log₂ of the probability of the text given its first character, per stream
    assert.ok(both.every((v) => v > 0 && Number.isFinite(v)));
  });

  it('clamping to the mean uses each unit’s mean over the read text', () => {
    const h = Float32Array.from([1, 10, 3, 20, 5, 30]); // (T=3,H=2)
    assert.deepEqual(clampValues('mean', [1, 0], h, 2), [20, 3]);
    assert.deepEqual(clampValues('zero', [1], h, 2), [0]);
  });
});

describe('insight: linear probes', () => {
  const T = 3000,
    H = 32;
  function states(feature: (t: number) => number, unit = 9): Float32Array {
    const rng = new Rng(8);
    const X = new Float32Array(T * H);
    for (let t = 0; t < T; t++) for (let u = 0; u < H; u++) X[t * H + u] = u === unit ? 2 * feature(t) + 0.1 * rng.normal() : 0.5 * rng.normal(); // the planted unit: R² ≈ 0.33 / (0.33 + 0.01)
    return X;
  }
  const binary = (t: number) => ((t >> 4) % 3 === 0 ? 1 : 0);
  it('reads a planted binary feature with high held-out accuracy, far above the majority rate', () => {
    const y = Float32Array.from({ length: T }, (_, t) => binary(t));
    const r = linearProbe(refKernels, states(binary), T, H, y);
    assert.equal(r.kind, 'binary');
    assert.equal(r.train + r.test, T);
    assert.ok(r.score > 0.95, `accuracy ${r.score}`);
    assert.ok(r.baseline < 0.75, `majority ${r.baseline}`);
  });
  it('a numeric feature is scored by R²; an unrelated one scores near zero', () => {
    const col = (t: number) => (t % 40) / 40;
    const y = Float32Array.from({ length: T }, (_, t) => col(t));
    const planted = linearProbe(refKernels, states(col), T, H, y);
    assert.equal(planted.kind, 'numeric');
    assert.ok(planted.score > 0.9, `R² ${planted.score}`);
    const other = Float32Array.from({ length: T }, (_, t) => Math.sin(t * 0.37));
    const unrelated = linearProbe(refKernels, states(col), T, H, other).score;
    assert.ok(Math.abs(unrelated) < 0.05, `R² ${unrelated}`);
  });
  it('refuses a text too short to hold out', () => {
    assert.throws(() => linearProbe(refKernels, new Float32Array(10 * 4), 10, 4, new Float32Array(10)), /at least 15/);
  });
});

describe('insight: the panel’s pure helpers (webview/shared/insight.ts)', () => {
  it('fits points into the canvas, finds the point under the mouse, and selects with a lasso', () => {
    const coords = Float32Array.from([0, 0, 10, 0, 10, 10, 0, 10, 5, 5]);
    const fit = fitPoints(coords, 120, 120, 10);
    assert.deepEqual(Array.from(fit.x), [10, 110, 110, 10, 60]);
    assert.deepEqual(Array.from(fit.y), [110, 110, 10, 10, 60], 'up is up');
    assert.equal(pointAt(fit, 61, 58), 4);
    assert.equal(pointAt(fit, 35, 35), -1);
    const square = [40, 40, 80, 40, 80, 80, 40, 80];
    assert.deepEqual(lassoPoints(fit, square), [4]);
    assert.ok(insidePolygon([0, 0, 10, 0, 0, 10], 2, 2) && !insidePolygon([0, 0, 10, 0, 0, 10], 8, 8), 'a triangle');
    assert.deepEqual(lassoPoints(fit, [1, 2]), [], 'a lasso of one point selects nothing');
  });

  it('user features: a regex marks its matches by code point; bracket depth and column count as the issue says', () => {
    const chars = [...'a "b😀c" (x[y])\nzz'];
    const q = userFeature(chars, 'regex', '"[^"]*"');
    assert.deepEqual(Array.from(q.subarray(0, 8)), [0, 0, 1, 1, 1, 1, 1, 0], 'the emoji is one position');
    const d = userFeature(chars, 'depth');
    assert.deepEqual(Array.from(d.subarray(8, 15)), [0, 1, 1, 2, 2, 1, 0]);
    const col = userFeature(chars, 'column');
    assert.equal(col[chars.indexOf('\n')], 14);
    assert.equal(col[chars.length - 1], 1);
    assert.throws(() => userFeature(chars, 'regex', '('), SyntaxError);
    assert.throws(() => userFeature(chars, 'regex', ''), /empty/);
    assert.deepEqual(Array.from(userFeature([...'aaa'], 'regex', 'x*')), [0, 0, 0], 'empty matches mark nothing and end');
  });

  it('splits a per-character change by a feature (the cost belongs to the character predicted)', () => {
    const delta = Float32Array.from([1, 2, 3, 4]); // predictions of characters 1..4
    const feature = Float32Array.from([0, 1, 1, 0, 0]);
    assert.deepEqual(splitByFeature(delta, feature), { inside: 1.5, outside: 3.5, nInside: 2, nOutside: 2 });
  });

  it('parses unit lists and ranges, and refuses units the layer does not have', () => {
    assert.deepEqual(parseUnits('3, 17 40-42 3', 64), [3, 17, 40, 41, 42]);
    assert.throws(() => parseUnits('64', 64), /0 to 63/);
    assert.throws(() => parseUnits('a', 64), /not a unit/);
    assert.deepEqual(parseUnits(' ', 64), []);
  });

  it('probe lift: the share of what the majority baseline left to learn', () => {
    assert.equal(probeLift({ kind: 'binary', score: 0.98, baseline: 0.96 }).toFixed(2), '0.50');
    assert.equal(probeLift({ kind: 'numeric', score: 0.4, baseline: 0 }), 0.4);
    assert.equal(probeLift({ kind: 'binary', score: 1, baseline: 1 }), 0);
    assert.equal(contextAround([...'ab\ncd'], 2, 2, 1), 'ab⟦↵⟧c');
    assert.equal(charClass('é'), 0);
    assert.equal(charClass('7'), 1);
    assert.equal(charClass('\n'), 3);
    assert.equal(charClass(';'), 4);
  });
});
