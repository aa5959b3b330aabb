/** Autocomplete logic without VS Code: language map, debounce and cancellation, confidence threshold, statistics, the completer. */
import * as assert from 'node:assert/strict';
import type { TokenStepper } from '../../src/onnx/decode';
import { Completer } from '../../src/worker/completion/completer';
import { quietReason, withoutRepeat, type QuietInput } from '../../src/worker/completion/quiet';
import { applyConfidence, firstWord, trimPartialWord } from '../../src/worker/completion/confidence';
import { debounce, LatestOnly, SerialQueue, SimpleCancelSource } from '../../src/worker/completion/debounce';
import { isLanguageEnabled, normalizeLanguageMap, withLanguage } from '../../src/host/completion/languages';
import { CompletionStats, percentile } from '../../src/host/completion/stats';
import { languageGlob, selectTrainingFiles } from '../../src/host/completion/workspaceFiles';

describe('autocomplete: language map', () => {
  it('defaults to on for every language', () => {
    assert.equal(isLanguageEnabled({ '*': true }, 'typescript'), true);
    assert.equal(isLanguageEnabled(undefined, 'markdown'), true);
  });
  it('listing one language does not turn the others off (a map without "*" means on for the rest)', () => {
    assert.equal(isLanguageEnabled({ markdown: false }, 'markdown'), false);
    assert.equal(isLanguageEnabled({ markdown: false }, 'python'), true);
    assert.equal(isLanguageEnabled({ python: true }, 'rust'), true);
  });
  it('"*": false turns everything off except the languages listed as true', () => {
    const m = { '*': false, python: true };
    assert.equal(isLanguageEnabled(m, 'python'), true);
    assert.equal(isLanguageEnabled(m, 'typescript'), false);
  });
  it('ignores malformed entries instead of failing', () => {
    assert.deepEqual(normalizeLanguageMap({ python: 'yes', ' go ': false, '': true }), { go: false });
    assert.equal(isLanguageEnabled(['python'], 'python'), true);
    assert.equal(isLanguageEnabled({ python: 'no' }, 'python'), true);
    assert.deepEqual(withLanguage({ '*': true }, 'json', false), { '*': true, json: false });
  });
});

describe('autocomplete: debounce and cancellation', () => {
  it('waits the debounce time, then resolves true', async () => {
    const t0 = performance.now();
    assert.equal(await debounce(40), true);
    assert.ok(performance.now() - t0 >= 35);
  });
  it('resolves false at once when the token is cancelled during the wait', async () => {
    const src = new SimpleCancelSource();
    const t0 = performance.now();
    const p = debounce(5000, src.token);
    setTimeout(() => src.cancel(), 10);
    assert.equal(await p, false);
    assert.ok(performance.now() - t0 < 1000, 'did not wait out the 5 s');
  });
  it('resolves false without waiting for an already cancelled token', async () => {
    const src = new SimpleCancelSource();
    src.cancel();
    assert.equal(await debounce(5000, src.token), false);
  });
  it('the newest request supersedes older ones', () => {
    const latest = new LatestOnly();
    const a = latest.begin();
    assert.equal(a.cancelled(), false);
    const src = new SimpleCancelSource();
    const b = latest.begin(src.token);
    assert.equal(a.cancelled(), true);
    assert.equal(b.cancelled(), false);
    src.cancel();
    assert.equal(b.cancelled(), true);
  });
  it('runs queued work one at a time, in order, and survives a failing task', async () => {
    const q = new SerialQueue();
    const order: string[] = [];
    let running = 0;
    const task = (n: string, ms: number, fail = false) =>
      q.run(async () => {
        running++;
        assert.equal(running, 1);
        order.push(`${n}+`);
        await new Promise((r) => setTimeout(r, ms));
        order.push(`${n}-`);
        running--;
        if (fail) throw new Error(n);
        return n;
      });
    const results = await Promise.allSettled([task('a', 20), task('b', 5, true), task('c', 1)]);
    assert.deepEqual(order, ['a+', 'a-', 'b+', 'b-', 'c+', 'c-']);
    assert.equal(results[1]!.status, 'rejected');
    assert.deepEqual(results[2], { status: 'fulfilled', value: 'c' });
  });
});

describe('autocomplete: confidence threshold', () => {
  const chars = [...'abcdef'];
  it('keeps the longest prefix whose geometric-mean probability reaches the threshold', () => {
    const lp = [Math.log(0.9), Math.log(0.9), Math.log(0.9), Math.log(0.05), Math.log(0.05), Math.log(0.05)];
    const r = applyConfidence(chars, lp, 0.5);
    assert.equal(r!.text, 'abc');
    assert.ok(Math.abs(r!.confidence - 0.9) < 1e-9);
    // a lower threshold lets the unsure tail through: mean of 3×0.9 and 1×0.05 is (0.9³·0.05)^(1/4) ≈ 0.46
    assert.equal(applyConfidence(chars, lp, 0.4)!.text, 'abcd');
  });
  it('shows nothing when even the first character is below the threshold, or when the text is blank', () => {
    assert.equal(
      applyConfidence(
        chars,
        chars.map(() => Math.log(0.3)),
        0.5,
      ),
      null,
    );
    assert.equal(applyConfidence([' ', ' '], [0, 0], 0.5), null);
    assert.equal(
      applyConfidence(
        chars,
        chars.map(() => Math.log(0.3)),
        0,
      )!.text,
      'abcdef',
      'threshold 0 keeps everything',
    );
    assert.equal(
      applyConfidence(
        chars,
        chars.map(() => Math.log(0.999)),
        1,
      ),
      null,
      'threshold 1 needs certainty',
    );
  });
  it('trims a partial last word, finds the first word', () => {
    assert.equal(trimPartialWord('return this.val'), 'return this.');
    assert.equal(trimPartialWord('hello wor'), 'hello');
    assert.equal(trimPartialWord('single'), 'single');
    assert.equal(firstWord(' world, and'), ' world');
    assert.equal(firstWord('(x)'), '(');
  });
  it('stays quiet where a suggestion would be in the way, and says why', () => {
    const at: QuietInput = { scheme: 'file', suggestWidget: false, selection: false, restOfLine: '', maxRight: 0, trigger: 'automatic', explicit: false };
    assert.equal(quietReason(at), null);
    assert.equal(quietReason({ ...at, scheme: 'untitled' }), null);
    assert.equal(quietReason({ ...at, scheme: 'vscode-notebook-cell' }), 'scheme');
    assert.equal(quietReason({ ...at, scheme: 'git' }), 'scheme');
    assert.equal(quietReason({ ...at, suggestWidget: true }), 'suggest-widget');
    assert.equal(quietReason({ ...at, selection: true }), 'selection');
    for (const rest of ['  ', ');', '"]', '})']) assert.equal(quietReason({ ...at, restOfLine: rest }), null, `only closes: ${rest}`);
    assert.equal(quietReason({ ...at, restOfLine: 'foo)' }), 'text-right');
    assert.equal(quietReason({ ...at, restOfLine: 'foo)', maxRight: 4 }), null, 'up to maxRight characters');
    assert.equal(quietReason({ ...at, restOfLine: 'foo) + 1', maxRight: 4 }), 'text-right');
    assert.equal(quietReason({ ...at, trigger: 'manual' }), 'manual', 'manual mode ignores typing');
    assert.equal(quietReason({ ...at, trigger: 'manual', explicit: true }), null, 'and answers the trigger command');
  });
  it('never repeats the text after the cursor', () => {
    assert.equal(withoutRepeat('foo(a, b)', ')'), 'foo(a, b');
    assert.equal(withoutRepeat('x);', ');'), 'x');
    assert.equal(withoutRepeat('value', ''), 'value');
    assert.equal(withoutRepeat('value', ')  '), 'value', 'nothing to drop');
    assert.equal(withoutRepeat(')', ')'), null, 'nothing new is left');
    assert.equal(withoutRepeat('say "hi"', '"'), 'say "hi', 'the closing quote is already there');
  });
});

describe('autocomplete: statistics', () => {
  it('counts shown, accepted and saved characters, with latency percentiles', () => {
    const s = new CompletionStats();
    for (let i = 1; i <= 100; i++) s.recordRequest(i, i % 2 === 0, i === 1);
    s.recordAccepted(7);
    s.recordAccepted(3);
    assert.equal(s.requests, 100);
    assert.equal(s.shown, 50);
    assert.equal(s.accepted, 2);
    assert.equal(s.charsSaved, 10);
    assert.equal(s.p50, 50);
    assert.equal(s.p95, 95);
    assert.equal(s.acceptRate, 0.04);
    const back = new CompletionStats(JSON.parse(JSON.stringify(s.snapshot())));
    assert.deepEqual(back.snapshot(), s.snapshot());
    assert.equal(new CompletionStats({ shown: -3, latencies: [1, NaN, 2] as number[] }).snapshot().latencies.length, 2);
    assert.equal(percentile([], 0.5), null);
  });
});

/**
 * A fake char model over the vocabulary below: after character c it predicts the character that follows c in
 * PATTERN with logit `sure` (others 0). Its state is the last character read.
 */
const PATTERN = 'abcd efg\n';
const VOCAB = [...'\n abcdefgxyz'].map((c) => c.codePointAt(0)!);
class FakeStepper implements TokenStepper {
  last = -1;
  steps = 0;
  constructor(
    readonly sure: number,
    readonly counter: { chars: number },
  ) {}
  private logits(): Float32Array {
    const out = new Float32Array(VOCAB.length);
    const c = this.last >= 0 ? String.fromCodePoint(VOCAB[this.last]!) : '';
    const i = PATTERN.indexOf(c);
    if (i >= 0) out[VOCAB.indexOf(PATTERN.codePointAt((i + 1) % PATTERN.length)!)] = this.sure;
    return out;
  }
  prime(tokens: ArrayLike<number>): Float32Array {
    this.counter.chars += tokens.length;
    this.last = tokens[tokens.length - 1]!;
    return this.logits();
  }
  step(token: number): Float32Array {
    this.steps++;
    this.last = token;
    return this.logits();
  }
  fork(): FakeStepper {
    const f = new FakeStepper(this.sure, this.counter);
    f.last = this.last;
    return f;
  }
}
const fakeModel = (sure: number, counter = { chars: 0 }) => ({ stepper: () => new FakeStepper(sure, counter), info: { vocab: VOCAB } });
const src = (text: string) => ({ cursor: text.length, read: (a: number, b: number) => text.slice(a, b) });

describe('autocomplete: the completer', () => {
  it('greedy: completes to the end of the line, runs only typed characters on the next keystroke', async () => {
    const counter = { chars: 0 };
    const c = new Completer(fakeModel(8, counter), { threshold: 0.5 });
    const r = await c.complete('doc', src('xyz ab'));
    assert.equal(r!.text, 'cd efg');
    assert.equal(r!.stoppedBy, 'newline');
    assert.ok(r!.cold);
    assert.equal(counter.chars, 6);
    const r2 = await c.complete('doc', src('xyz abd')); // not what was suggested
    assert.equal(r2!.text, ' efg');
    assert.equal(r2!.cold, false);
    assert.equal(counter.chars, 7, 'one new character read');
  });
  it('typing through a suggestion reuses its rest without calling the model; a different character decodes afresh', async () => {
    const counter = { chars: 0 };
    let steps = 0;
    const model = {
      stepper: () => {
        const s = new FakeStepper(8, counter);
        const step = s.step.bind(s);
        s.step = (t) => {
          steps++;
          return step(t);
        };
        return s;
      },
      info: { vocab: VOCAB },
    };
    const c = new Completer(model);
    assert.equal((await c.complete('doc', src('xyz ab')))!.text, 'cd efg');
    const [chars0, steps0] = [counter.chars, steps];
    const r = await c.complete('doc', src('xyz abcd'));
    assert.equal(r!.text, ' efg');
    assert.equal(r!.ran, 0);
    assert.deepEqual([counter.chars, steps], [chars0, steps0], 'no model call while typing what was suggested');
    c.applyEdit('doc', 2, 1, 1); // an edit before the decode point forgets it
    await c.complete('doc', src('xyZ abcd'));
    assert.ok(counter.chars > chars0, 'the model ran again');
  });
  it('stops at a stop string and at maxChars (cutting a partial word)', async () => {
    const c = new Completer(fakeModel(8), { stop: ['f'] });
    assert.equal((await c.complete('d', src('a')))!.text, 'bcd e');
    c.setOptions({ stop: [], maxChars: 5 });
    assert.equal((await c.complete('d', src('a')))!.text, 'bcd', '"bcd e" cut by length → partial word "e" dropped');
  });
  it('shows nothing below the confidence threshold', async () => {
    // logit 2 over 12 characters: p = e²/(e²+11) ≈ 0.40
    const c = new Completer(fakeModel(2), { threshold: 0.5 });
    const r = await c.complete('d', src('ab'));
    assert.equal(r!.text, null);
    c.setOptions({ threshold: 0.3 });
    assert.equal((await c.complete('d', src('ab')))!.text, 'cd efg');
  });
  it('beam search finds the same line', async () => {
    const c = new Completer(fakeModel(8), { beamWidth: 3 });
    const r = await c.complete('d', src('ab'));
    assert.equal(r!.text, 'cd efg');
    assert.equal(r!.stoppedBy, 'newline');
  });
  it('honours cancellation between model calls', async () => {
    const c = new Completer(fakeModel(8));
    assert.equal(await c.complete('d', src('ab'), () => true), undefined);
    let calls = 0;
    assert.equal(await c.complete('d', src('ab'), () => ++calls > 3), undefined, 'cancelled in the middle of decoding');
  });
  it('refuses a model without a vocabulary', () => {
    assert.throws(() => new Completer({ stepper: () => new FakeStepper(1, { chars: 0 }), info: {} }), /vocabulary/);
  });
});

describe('autocomplete: workspace files for training', () => {
  const caps = { maxFileBytes: 1000, maxTotalBytes: 2500 };
  it('applies .gitignore (nested ones relative to their folder), skips dependency folders, caps file and total size', () => {
    const cands = [
      { rel: 'src/a.ts', size: 800 },
      { rel: 'src/b.ts', size: 900 },
      { rel: 'src/gen/x.ts', size: 10 },
      { rel: 'dist/out.ts', size: 10 },
      { rel: 'node_modules/m/index.ts', size: 10 },
      { rel: 'lib/big.ts', size: 5000 },
      { rel: 'lib/keep.ts', size: 700 },
      { rel: 'lib/skip.generated.ts', size: 5 },
      { rel: 'z/last.ts', size: 600 },
      { rel: 'e.ts', size: 0 },
    ];
    const r = selectTrainingFiles(
      cands,
      [
        { dir: '', content: 'dist/\n# comment\n' },
        { dir: 'src', content: 'gen/\n' },
        { dir: 'lib/', content: '*.generated.ts\n' },
      ],
      caps,
    );
    assert.deepEqual(
      r.files.map((f) => f.rel),
      ['lib/keep.ts', 'src/a.ts', 'src/b.ts'].sort(),
    );
    assert.equal(r.bytes, 2400);
    const why = Object.fromEntries(r.skipped.map((s) => [s.rel, s.reason]));
    assert.deepEqual(why, {
      'dist/out.ts': 'gitignore',
      'src/gen/x.ts': 'gitignore',
      'lib/skip.generated.ts': 'gitignore',
      'node_modules/m/index.ts': 'folder',
      'lib/big.ts': 'too large',
      'z/last.ts': 'over total',
      'e.ts': 'empty',
    });
  });
  it('negated .gitignore rules bring files back', () => {
    const r = selectTrainingFiles(
      [
        { rel: 'a.log', size: 1 },
        { rel: 'keep.log', size: 1 },
      ],
      [{ dir: '', content: '*.log\n!keep.log\n' }],
      caps,
    );
    assert.deepEqual(
      r.files.map((f) => f.rel),
      ['keep.log'],
    );
  });
  it("builds a glob from a language's extensions and file names", () => {
    assert.equal(languageGlob(['.ts', '.cts', '.mts', '.ts']), '**/{*.cts,*.mts,*.ts}');
    assert.equal(languageGlob(['.py']), '**/*.py');
    assert.equal(languageGlob([], ['Makefile']), '**/Makefile');
    assert.equal(languageGlob([]), null);
  });
});
