/** The panels' pure parts: message validation, colour scales, heatmap math, unit ranking, find cells, saturation, generation. */
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { charConfig } from '../../src/engine/config';
import { Model } from '../../src/engine/model';
import { Rng } from '../../src/engine/rng';
import { EngineStepper } from '../../src/onnx/fallback';
import { Rpc } from '../../src/protocol/rpc';
import { createHostRpc, createWebviewRpc, FROM_WEBVIEW, validateFromWebview, ValidationError } from '../../src/protocol/webview';
import { findCells, rankUnits, saturation, smooth, textFeatures, toCsv, fmtSeconds } from '../../src/webview/shared/analysis';
import { brightness, buildLut, LUT_SIZE, lutIndex, parseColor, probColor, scaleFor } from '../../src/webview/shared/colors';
import { cellAt, clampView, fillTile, keyNav, tiles, timeTicks, unitTicks, zoomTime } from '../../src/webview/shared/heatmap';
import { generateChars, topN } from '../../src/worker/inferCore';
import { extractHidden } from '../../src/worker/hiddenStates';
import { fromSaved, MAX_SAVED_RUNS, thin, toSaved } from '../../src/host/panels/runHistory';
import { applicableHyper } from '../../src/webview/dashboard/hyper';
import type { DashRun } from '../../src/protocol/webview';

const settings = { prime: 'ab', length: 10, temperature: 0.8, topK: 0, topP: 1, seed: 1, greedy: false };

describe('webview protocol: validation of what webviews send', () => {
  it('accepts well-formed requests of every panel', () => {
    assert.ok(validateFromWebview('dashboard', { kind: 'req', id: 1, method: 'dashboard/ready', params: {} }));
    assert.ok(validateFromWebview('dashboard', { kind: 'req', id: 2, method: 'dashboard/stop', params: { runId: 'run-1' } }));
    assert.ok(validateFromWebview('generate', { kind: 'req', id: 3, method: 'generate/run', params: { model: '/m', settings } }));
    assert.ok(validateFromWebview('hidden', { kind: 'req', id: 4, method: 'hidden/signal', params: { layer: 1, signal: 'f' } }));
    assert.ok(validateFromWebview('hidden', { kind: 'req', id: 5, method: 'hidden/saveFile', params: { kind: 'csv', name: 'x', data: 'a,b\n' } }));
  });

  const bad: [string, 'dashboard' | 'generate' | 'hidden', unknown, RegExp][] = [
    ['not an object', 'dashboard', 'hello', /expected an object/],
    ['a response', 'dashboard', { kind: 'res', id: 1, ok: true, result: 1 }, /unexpected response/],
    ['unknown kind', 'dashboard', { kind: 'zap', method: 'dashboard/ready' }, /kind/],
    ['an event (webviews only make requests)', 'dashboard', { kind: 'evt', method: 'dashboard/ready', params: {} }, /kind/],
    ['bad id', 'dashboard', { kind: 'req', id: -1, method: 'dashboard/ready', params: {} }, /id/],
    ['unknown method', 'dashboard', { kind: 'req', id: 1, method: 'dashboard/rm', params: {} }, /unknown method/],
    ["another panel's method", 'dashboard', { kind: 'req', id: 1, method: 'generate/run', params: { model: '/m', settings } }, /unknown method/],
    ['prototype key', 'dashboard', { kind: 'req', id: 1, method: 'toString', params: {} }, /unknown method/],
    ['missing field', 'dashboard', { kind: 'req', id: 1, method: 'dashboard/stop', params: {} }, /runId/],
    ['extra field', 'dashboard', { kind: 'req', id: 1, method: 'dashboard/stop', params: { runId: 'a', rm: true } }, /rm: expected no such field/],
    ['wrong type', 'generate', { kind: 'req', id: 1, method: 'generate/run', params: { model: 1, settings } }, /model/],
    [
      'temperature 0',
      'generate',
      { kind: 'req', id: 1, method: 'generate/run', params: { model: '/m', settings: { ...settings, temperature: 0 } } },
      /temperature/,
    ],
    ['NaN length', 'generate', { kind: 'req', id: 1, method: 'generate/run', params: { model: '/m', settings: { ...settings, length: NaN } } }, /length/],
    ['fractional top-k', 'generate', { kind: 'req', id: 1, method: 'generate/run', params: { model: '/m', settings: { ...settings, topK: 1.5 } } }, /topK/],
    ['bad signal', 'hidden', { kind: 'req', id: 1, method: 'hidden/signal', params: { layer: 0, signal: 'x' } }, /signal/],
    ['layer out of range', 'hidden', { kind: 'req', id: 1, method: 'hidden/signal', params: { layer: 9, signal: 'h' } }, /layer/],
    ['bad export kind', 'hidden', { kind: 'req', id: 1, method: 'hidden/saveFile', params: { kind: 'exe', name: 'x', data: '' } }, /kind/],
    [
      'a probe feature that is not a Float32Array',
      'hidden',
      { kind: 'req', id: 1, method: 'hidden/probe', params: { layer: 0, signal: 'h', feature: [1, 0] } },
      /feature/,
    ],
    [
      'a probe feature with NaN',
      'hidden',
      { kind: 'req', id: 1, method: 'hidden/probe', params: { layer: 0, signal: 'h', feature: Float32Array.from([1, NaN]) } },
      /finite/,
    ],
    [
      'a fractional unit to silence',
      'hidden',
      { kind: 'req', id: 1, method: 'hidden/ablate', params: { layer: 0, units: [1.5], mode: 'zero', prompt: 'a', length: 10, seed: 1 } },
      /units\[0\]/,
    ],
    [
      'an unknown ablation mode',
      'hidden',
      { kind: 'req', id: 1, method: 'hidden/ablate', params: { layer: 0, units: [1], mode: 'shuffle', prompt: 'a', length: 10, seed: 1 } },
      /mode/,
    ],
    ['too many neighbours', 'hidden', { kind: 'req', id: 1, method: 'hidden/neighbours', params: { layer: 0, signal: 'h', positions: [1], k: 10_000 } }, /k/],
    ['an unknown projection', 'hidden', { kind: 'req', id: 1, method: 'hidden/project', params: { layer: 0, signal: 'h', method: 'tsne' } }, /method/],
    ['a negative position to reveal', 'hidden', { kind: 'req', id: 1, method: 'hidden/reveal', params: { start: -1, end: 2 } }, /start/],
  ];
  for (const [what, panel, msg, re] of bad) {
    it(`rejects ${what}`, () =>
      assert.throws(
        () => validateFromWebview(panel, msg),
        (e: Error) => e instanceof ValidationError && re.test(e.message),
      ));
  }

  it('has a validator for every request method of every panel', () => {
    assert.deepEqual(Object.keys(FROM_WEBVIEW.dashboard).sort(), ['dashboard/generate', 'dashboard/openModel', 'dashboard/ready', 'dashboard/stop']);
    assert.equal(Object.keys(FROM_WEBVIEW.generate).length, 6);
    assert.equal(Object.keys(FROM_WEBVIEW.hidden).length, 11);
  });

  it('round trip over a pair of ports; pending webview requests reject when the panel closes', async () => {
    const link: { host?: ReturnType<typeof createHostRpc<'dashboard'>> } = {};
    const view = createWebviewRpc<'dashboard'>({ postMessage: (m) => link.host!.receive(validateFromWebview('dashboard', m)) });
    const host = createHostRpc<'dashboard'>({ postMessage: (m) => view.receive(m) });
    link.host = host;
    host.handle('dashboard/ready', () => ({ runs: [], selected: undefined, strings: { Stop: 'S' } }));
    assert.deepEqual((await view.request('dashboard/ready', {})).strings, { Stop: 'S' });
    host.handle('dashboard/stop', () => new Promise<boolean>(() => undefined)); // never answers
    const p = view.request('dashboard/stop', { runId: 'x' });
    view.dispose('The panel was closed.');
    await assert.rejects(p, /panel was closed/);
    assert.ok(view instanceof Rpc);
  });
});

describe('webview colours', () => {
  it('parses theme colours', () => {
    assert.deepEqual(parseColor('#fff'), [255, 255, 255]);
    assert.deepEqual(parseColor('#1e1e1e'), [30, 30, 30]);
    assert.deepEqual(parseColor('#1e1e1ecc'), [30, 30, 30]);
    assert.deepEqual(parseColor('rgba(10, 20, 30, 0.5)'), [10, 20, 30]);
    assert.equal(parseColor('var(--x)'), undefined);
  });

  it('diverging LUT: blue at the low end, the theme background in the middle, red at the high end', () => {
    for (const neutral of [
      [255, 255, 255],
      [30, 30, 30],
    ] as [number, number, number][]) {
      const lut = buildLut('diverging', neutral);
      assert.equal(lut.length, LUT_SIZE * 4);
      const at = (i: number) => [lut[i * 4], lut[i * 4 + 1], lut[i * 4 + 2]];
      const lo = at(0),
        mid = at(128),
        hi = at(255);
      assert.ok(lo[2] > lo[0], 'low end is blue');
      assert.ok(hi[0] > hi[2], 'high end is red');
      assert.ok(Math.abs(brightness(mid as [number, number, number]) - brightness(neutral)) < 0.05, 'middle is the background');
      for (let i = 0; i < LUT_SIZE; i++) assert.equal(lut[i * 4 + 3], 255);
    }
  });

  it('sequential LUT goes from the background to a saturated colour; lutIndex clamps', () => {
    const lut = buildLut('sequential', [255, 255, 255]);
    assert.deepEqual([lut[0], lut[1], lut[2]], [255, 255, 255]);
    assert.ok(lut[255 * 4 + 2] < 100);
    assert.equal(lutIndex(-5, 0, 1), 0);
    assert.equal(lutIndex(5, 0, 1), 255);
    assert.equal(lutIndex(0.5, 0, 1), 128);
    assert.equal(lutIndex(0.3, 1, 1), 128);
  });

  it('scales per signal: gates [0,1], h [-1,1], c symmetric at its 99th percentile', () => {
    assert.deepEqual(scaleFor('f', new Float32Array(4)), { kind: 'sequential', lo: 0, hi: 1 });
    assert.deepEqual(scaleFor('h', new Float32Array(4)), { kind: 'diverging', lo: -1, hi: 1 });
    const c = Float32Array.from({ length: 1000 }, (_, i) => (i % 2 ? 1 : -1) * (i / 100));
    const s = scaleFor('c', c);
    assert.equal(s.lo, -s.hi);
    assert.ok(s.hi > 9 && s.hi <= 10);
  });

  it('probability shading runs red → green', () => {
    assert.match(probColor(0, true), /^hsla\(0,/);
    assert.match(probColor(1, false), /^hsla\(120,/);
    assert.match(probColor(7, false), /^hsla\(120,/);
  });
});

describe('heatmap math', () => {
  it('fillTile puts unit u of step t at row u, column t - t0, through the LUT', () => {
    const T = 5,
      H = 3;
    const data = new Float32Array(T * H);
    data[2 * H + 1] = 1; // t=2, u=1 → top of the scale
    data[4 * H + 0] = -1; // t=4, u=0 → bottom
    const lut = buildLut('diverging', [255, 255, 255]);
    const out = new Uint8ClampedArray(3 * H * 4); // columns 2..4
    fillTile(data, T, H, 2, 3, lut, -1, 1, out);
    const px = (row: number, col: number) => Array.from(out.slice((row * 3 + col) * 4, (row * 3 + col) * 4 + 4));
    assert.deepEqual(px(1, 0), Array.from(lut.slice(255 * 4, 256 * 4)));
    assert.deepEqual(px(0, 2), Array.from(lut.slice(0, 4)));
    assert.deepEqual(px(2, 1), Array.from(lut.slice(128 * 4, 129 * 4)));
  });

  it('tiles cover T exactly; views clamp, zoom around the anchor and map pixels to cells', () => {
    assert.deepEqual(tiles(20000, 8192), [
      [0, 8192],
      [8192, 8192],
      [16384, 3616],
    ]);
    assert.deepEqual(clampView({ t0: -5, tSpan: 1e9, u0: 3, uSpan: 2 }, 100, 10), { t0: 0, tSpan: 100, u0: 3, uSpan: 4 });
    const v = zoomTime({ t0: 100, tSpan: 200, u0: 0, uSpan: 10 }, 0.5, 0.5, 1000, 10);
    assert.deepEqual(v, { t0: 150, tSpan: 100, u0: 0, uSpan: 10 });
    assert.deepEqual(cellAt(v, 0, 0, 500, 100), { t: 150, u: 0 });
    assert.deepEqual(cellAt(v, 499, 99, 500, 100), { t: 249, u: 9 });
    assert.equal(cellAt(v, 500, 0, 500, 100), undefined);
  });

  it('axes: unit and position labels at round steps, far enough apart, inside the view', () => {
    const v = { t0: 137, tSpan: 400, u0: 0, uSpan: 512 };
    const u = unitTicks(v, 480);
    assert.deepEqual(
      u.slice(0, 3).map((x) => x.u),
      [0, 20, 40],
      '512 units in 480 px: every 20th (14 px apart at least)',
    );
    for (let i = 1; i < u.length; i++) assert.ok(u[i]!.y - u[i - 1]!.y >= 14);
    assert.deepEqual(
      unitTicks({ ...v, u0: 3, uSpan: 8 }, 480).map((x) => x.u),
      [3, 4, 5, 6, 7, 8, 9, 10],
      'zoomed in: every unit',
    );
    const t = timeTicks(v, 800);
    assert.equal(t[0]!.t, 150, 'the first multiple of the step (50: 60 px at 2 px a step) inside the view');
    assert.ok(t.every((x) => x.t >= 137 && x.t < 537 && x.x >= 0 && x.x <= 800));
    for (let i = 1; i < t.length; i++) assert.ok(t[i]!.x - t[i - 1]!.x >= 60);
  });

  it('keyboard: arrows move the cursor and scroll to keep it in view, Enter selects, other keys are not ours', () => {
    const v = { t0: 0, tSpan: 10, u0: 0, uSpan: 4 };
    const right = keyNav(v, { t: 9, u: 0 }, 'ArrowRight', 100, 8)!;
    assert.deepEqual([right.at, right.view.t0, right.select], [{ t: 10, u: 0 }, 1, false]);
    assert.deepEqual(keyNav(v, { t: 0, u: 0 }, 'ArrowLeft', 100, 8)!.at, { t: 0, u: 0 }, 'stops at the start');
    assert.deepEqual(keyNav(v, { t: 0, u: 3 }, 'ArrowDown', 100, 8)!.view.u0, 1);
    assert.deepEqual(keyNav(v, { t: 3, u: 0 }, 'PageDown', 100, 8)!.at.t, 10);
    assert.equal(keyNav({ ...v, tSpan: 20 }, { t: 0, u: 0 }, '+', 100, 8)!.view.tSpan, 10);
    assert.equal(keyNav(v, { t: 2, u: 5 }, 'Enter', 100, 8)!.select, true);
    assert.equal(keyNav(v, { t: 0, u: 0 }, 'x', 100, 8), undefined);
  });
});

describe('hidden-state analysis', () => {
  it('smooth: weight 0 is the identity; debiased EMA; gaps stay gaps', () => {
    assert.deepEqual(smooth([1, 2, 3], 0), [1, 2, 3]);
    const s = smooth([2, null, 4], 0.5);
    assert.equal(s[0], 2);
    assert.equal(s[1], null);
    assert.ok(Math.abs(s[2]! - (0.5 * 0.5 * 2 + 0.5 * 4) / 0.75) < 1e-12);
  });

  it('text features: quotes, brackets, column, indentation, after whitespace', () => {
    const chars = Array.from('a "b" (c)\n  d');
    const f = textFeatures(chars);
    assert.deepEqual(Array.from(f.inQuotes), [0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual(Array.from(f.inBrackets), [0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0]);
    assert.deepEqual(Array.from(f.positionInLine), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2]);
    assert.deepEqual(Array.from(f.indentation).slice(10), [1, 2, 2]);
    assert.equal(f.afterWhitespace[2], 1);
    assert.equal(f.afterWhitespace[3], 0);
  });

  it('rankUnits finds the unit that tracks a feature (and the anti-correlated one), ignores constant units', () => {
    const T = 200,
      H = 4,
      rng = new Rng(3);
    const feat = Float32Array.from({ length: T }, (_, t) => Math.floor(t / 10) % 2);
    const data = new Float32Array(T * H);
    for (let t = 0; t < T; t++) {
      data[t * H + 0] = rng.uniform(-1, 1); // noise
      data[t * H + 1] = 0.5; // constant
      data[t * H + 2] = feat[t] * 0.9 + rng.uniform(-0.05, 0.05); // tracks it
      data[t * H + 3] = -feat[t] * 0.5; // anti-correlated, exactly
    }
    const r = rankUnits(data, T, H, feat);
    assert.equal(r[0].unit, 3);
    assert.ok(Math.abs(r[0].r + 1) < 1e-6);
    assert.equal(r[1].unit, 2);
    assert.ok(r[1].r > 0.95);
    assert.equal(r.find((x) => x.unit === 1)!.r, 0);
    assert.ok(Math.abs(r.find((x) => x.unit === 0)!.r) < 0.3);
  });

  it('findCells ranks units on inside the span and off around it, and lists where they switch on together', () => {
    const T = 60,
      H = 3;
    const data = new Float32Array(T * H);
    const on = (u: number, a: number, b: number) => {
      for (let t = a; t < b; t++) data[t * H + u] = 1;
    };
    on(0, 10, 15);
    on(0, 40, 45); // the cell: on in the span and again at 40..45
    on(1, 0, 60); // always on: not specific
    on(2, 12, 14); // partly on
    const r = findCells(data, T, H, 10, 15, 0.5, 2);
    assert.equal(r.units[0].unit, 0);
    assert.equal(r.units[0].inside, 1);
    assert.equal(r.units[0].outside, 0);
    assert.ok(!r.units.some((u) => u.unit === 1), 'an always-on unit scores 0');
    // unit 2 is chosen too (score 0.4); they are both on together only inside the span → no other places
    assert.deepEqual(r.matches, []);
    const r1 = findCells(data, T, H, 10, 15, 0.5, 1);
    assert.deepEqual(r1.matches, [{ start: 40, end: 45 }]);
    assert.deepEqual(findCells(data, T, H, 5, 5, 0.5), { units: [], matches: [] });
  });

  it('saturation: fractions below 0.1 and above 0.9 per unit', () => {
    const T = 10,
      H = 2;
    const data = new Float32Array(T * H);
    for (let t = 0; t < T; t++) {
      data[t * H] = t < 3 ? 0.05 : 0.95;
      data[t * H + 1] = 0.5;
    }
    const s = saturation(data, T, H);
    assert.ok(Math.abs(s.left[0] - 0.3) < 1e-6 && Math.abs(s.right[0] - 0.7) < 1e-6);
    assert.equal(s.left[1], 0);
    assert.equal(s.right[1], 0);
  });

  it('CSV: header, quoted characters, one row per step', () => {
    const csv = toCsv(Float32Array.from([0.5, -1, 0.25, 2]), 2, 2, ['"', '\n']);
    assert.equal(csv, 'position,char,u0,u1\n0,"""",0.5,-1\n1,"\n",0.25,2\n');
    assert.equal(fmtSeconds(3725), '1 h 02 min');
    assert.equal(fmtSeconds(null), '–');
  });
});

describe('inference worker core', () => {
  const codec = {
    encode: (s: string) =>
      Array.from(s)
        .map((c) => 'abcd'.indexOf(c))
        .map((i) => (i < 0 ? 0 : i)),
    decode: (ids: ArrayLike<number>) =>
      Array.from(ids)
        .map((i) => 'abcd'[i])
        .join(''),
  };

  it('topN returns the most likely characters in order', () => {
    const p = Float64Array.from([0.1, 0.5, 0.15, 0.25]);
    assert.deepEqual(
      topN(p, 4, 2, (i) => 'abcd'[i]),
      [
        ['b', 0.5],
        ['d', 0.25],
      ],
    );
  });

  it('generateChars streams every character with its probability and top-5; same seed, same text; cancel stops', async () => {
    const model = new Model(charConfig({ vocab: 4, hidden: 8, emb: 4 }));
    model.initParams(new Rng(1));
    const got: string[] = [];
    const r = await generateChars(
      new EngineStepper(model),
      codec,
      { ...settings, length: 20 },
      (cs) => {
        for (const c of cs) {
          assert.ok(c.p > 0 && c.p <= 1);
          assert.equal(c.top.length, 4);
          assert.ok(c.top[0][1] >= c.top[1][1]);
          got.push(c.c);
        }
      },
      () => false,
      3,
    );
    assert.equal(r.text.length, 20);
    assert.equal(got.join(''), r.text);
    const again = await generateChars(
      new EngineStepper(model),
      codec,
      { ...settings, length: 20 },
      () => undefined,
      () => false,
    );
    assert.equal(again.text, r.text);
    let n = 0;
    const c = await generateChars(
      new EngineStepper(model),
      codec,
      { ...settings, length: 50 },
      (cs) => {
        n += cs.length;
      },
      () => n >= 5,
      1,
    );
    assert.equal(c.stoppedBy, 'cancelled');
    assert.ok(c.text.length >= 5 && c.text.length < 50);
  });

  it('extractHidden over windows equals one pass, and keeps h, c and the gates of every layer', async () => {
    const cfg = charConfig({ vocab: 4, hidden: 6, emb: 3, layers: 2 });
    const model = new Model(cfg);
    model.initParams(new Rng(2));
    const ids = Array.from({ length: 37 }, (_, i) => (i * 7) % 4);
    const windowed = await extractHidden(model, ids, 10);
    const once = await extractHidden(model, ids, 100);
    assert.deepEqual(windowed.signals, ['h', 'c', 'i', 'f', 'o']);
    for (let l = 0; l < 2; l++) {
      for (const s of windowed.signals) {
        const a = windowed.signal(l, s)!,
          b = once.signal(l, s)!;
        assert.equal(a.length, 37 * 6);
        for (let k = 0; k < a.length; k++) assert.ok(Math.abs(a[k] - b[k]) < 1e-5, `${s} layer ${l} at ${k}`);
      }
      for (const g of ['i', 'f', 'o'] as const) for (const v of windowed.signal(l, g)!) assert.ok(v > 0 && v < 1);
      // h = o ⊙ tanh(c)
      const [h, c, o] = (['h', 'c', 'o'] as const).map((x) => windowed.signal(l, x)!);
      for (let k = 0; k < h.length; k++) assert.ok(Math.abs(h[k] - o[k] * Math.tanh(c[k])) < 1e-5);
    }
    const gru = new Model(charConfig({ vocab: 4, hidden: 5, emb: 3, cell: 'gru' }));
    gru.initParams(new Rng(3));
    const g = await extractHidden(gru, ids, 16);
    assert.deepEqual(g.signals, ['h', 'z', 'r']);
    const zsum = g.signal(0, 'z')!.reduce((s, v) => s + v, 0);
    assert.ok(zsum > 0);
  });
});

describe('webview strings', () => {
  it("every t('…') string of a webview is in that panel's localized table (src/host/panels/strings.ts)", () => {
    const root = join(__dirname, '..', '..');
    const table = readFileSync(join(root, 'src/host/panels/strings.ts'), 'utf8');
    for (const panel of ['dashboard', 'generate', 'hidden']) {
      const folder = join(root, 'src/webview', panel);
      const src = readdirSync(folder)
        .filter((f) => f.endsWith('.ts'))
        .map((f) => readFileSync(join(folder, f), 'utf8'))
        .join('\n');
      const keys = [...src.matchAll(/\bt\(\s*'((?:\\.|[^'\\])*)'/g)].map((m) => m[1]);
      assert.ok(keys.length > 10, panel);
      let block = table.slice(table.indexOf(`const ${panel.toUpperCase()}_EN = [`));
      if (panel === 'hidden') block += readFileSync(join(root, 'src/host/panels/stringsInsight.ts'), 'utf8'); // the insight tools' table
      for (const k of keys) assert.ok(block.includes(`'${k}'`), `${panel}: "${k}" is missing from strings.ts`);
    }
  });
});

describe('dashboard run history (workspace state)', () => {
  const run = (id: string, state: string, n: number): DashRun => ({
    id,
    name: id,
    state,
    modelDir: `/m/${id}`,
    kind: 'char',
    hyper: { hidden: 8 },
    stopRequested: state === 'running',
    points: Array.from({ length: n }, (_, i) => ({ step: i + 1, train: 4 - i / n, elapsedSec: i, ...(i % 100 === 99 ? { val: 3 } : {}) })),
    samples: Array.from({ length: 30 }, (_, i) => ({ step: i, text: `s${i}` })),
  });

  it('thins long curves to the limit, keeping every validation point, the first and the last', () => {
    const r = run('a', 'finished', 10_000);
    const t = thin(r.points, 500);
    assert.ok(t.length <= 500 && t.length > 400, String(t.length));
    assert.equal(t[0].step, 1);
    assert.equal(t[t.length - 1].step, 10_000);
    assert.equal(t.filter((p) => p.val !== undefined).length, 100);
    for (let i = 1; i < t.length; i++) assert.ok(t[i].step > t[i - 1].step);
    assert.deepEqual(thin(r.points.slice(0, 10), 500), r.points.slice(0, 10));
  });

  it('keeps ended runs only, the newest MAX_SAVED_RUNS, with few samples; reads back only well-formed runs', () => {
    const saved = toSaved([run('live', 'running', 10), run('done', 'finished', 3000), run('bad', 'failed', 0)]);
    assert.deepEqual(
      saved.map((r) => r.id),
      ['done'],
    );
    assert.ok(saved[0].points.length <= 1500);
    assert.equal(saved[0].samples.length, 10);
    const many = toSaved(
      Array.from({ length: 20 }, (_, i) => run(`r${i}`, 'finished', 5)),
      saved,
    );
    assert.equal(many.length, MAX_SAVED_RUNS);
    assert.equal(many[many.length - 1].id, 'r19');
    assert.deepEqual(
      fromSaved(JSON.parse(JSON.stringify(many))).map((r) => r.id),
      many.map((r) => r.id),
    );
    assert.deepEqual(fromSaved('nope'), []);
    assert.deepEqual(fromSaved([{ id: 1 }, null, { ...run('x', 'finished', 2), points: [{ step: 'a' }] }]), []);
  });
});

describe('dashboard: the hyperparameters shown', () => {
  it('leave out what does not apply: momentum with Adam, betas with SGD, unused budgets, patience and decay', () => {
    const adam = Object.fromEntries(
      applicableHyper({
        optimizer: 'adam',
        lr: 0.002,
        momentum: 0.9,
        beta1: 0.9,
        beta2: 0.999,
        minutes: 0,
        steps: 1000,
        patience: 0,
        lrDecay: 1,
        lrDecayEvery: 1000,
        layers: 1,
        dropout: 0,
      }),
    );
    assert.deepEqual(Object.keys(adam), ['optimizer', 'lr', 'beta1', 'beta2', 'steps', 'layers']);
    const sgd = Object.fromEntries(
      applicableHyper({ optimizer: 'sgd', momentum: 0.9, beta1: 0.9, eps: 1e-8, minutes: 5, steps: 0, patience: 3, lrDecay: 0.5, lrDecayEvery: 100 }),
    );
    assert.deepEqual(Object.keys(sgd), ['optimizer', 'momentum', 'minutes', 'patience', 'lrDecay', 'lrDecayEvery']);
  });
});
