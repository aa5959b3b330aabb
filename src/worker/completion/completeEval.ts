/**
 * `seqlab complete-eval`: autocomplete measured the way a user meets it. Typing through held-out text, at every
 * position each completer is asked for a suggestion; a suggestion is accepted only when its first word equals the
 * real next word, and then the cursor jumps past that word (those characters are "saved"), else one character is
 * typed. Three completers over the same positions:
 *   product  the Completer the editor uses, with its settings (confidence rule, context window, decoding)
 *   lstm     the same model without the confidence rule (every suggestion shown): the plain LSTM
 *   ngram    a character 5-gram trained on the model's own training text, decoded by the same rule as the product
 * and, per completer: bits/char and next-character top-1 on the text, the first-word proxy (accepted / positions
 * asked), characters saved per 100 typed, and the latency of each call (p50, p95).
 * The product is the mixture of experts (mixture.ts): the LSTM and the n-gram weighed per character by a gate
 * fitted on the tail of the training text (the LSTM's validation part), with an n-gram that had not seen that tail.
 * The result also says what the gate gained there over one fixed interpolation weight.
 */
import type { Vocab } from '../../data/vocab';
import type { Gate } from '../../engine/mixture';
import { CharNgram } from '../../engine/ngram';
import { evaluateOnnx } from '../../onnx/evaluate';
import type { OnnxModel } from '../../onnx/runtime';
import { buildMixture, eachLogits, MixtureStepper, mixLogProbs, mixScratch, type MixtureValidation } from './mixture';
import { Completer, type CompleterOptions, type CompletionModel } from './completer';
import { applyConfidence, firstWord, trimPartialWord } from './confidence';

export interface CompleterFigures {
  bits_per_char: number;
  top1: number;
  /** accepted suggestions / positions asked */
  proxy: number;
  saved_per_100: number;
  latency_p50_ms: number;
  latency_p95_ms: number;
}

export interface CompleteEvalResult {
  chars: number;
  positions: number;
  /** the gate, and bits/char on the validation tail: the gate, one fixed weight, each expert alone */
  gate: { theta: number[]; fixedWeight: number; validation: MixtureValidation };
  completers: { product: CompleterFigures; lstm: CompleterFigures; ngram: CompleterFigures };
}

/** The same decoding rule as Completer's greedy path, over the n-gram: greedy to end of line / maxChars, confidence cut. */
export function ngramSuggest(m: CharNgram, vocab: Vocab, ctx: number[], o: Pick<CompleterOptions, 'maxChars' | 'threshold'>): string | null {
  const ids = [...ctx];
  const nl = vocab.lookup(10);
  const chars: string[] = [],
    lps: number[] = [];
  let byLength = true;
  for (let i = 0; i < o.maxChars; i++) {
    const { id, p } = m.best(ids, ids.length);
    if (id === nl) {
      byLength = false;
      break;
    }
    chars.push(vocab.decode([id]));
    lps.push(Math.log(p));
    ids.push(id);
  }
  const kept = applyConfidence(chars, lps, o.threshold);
  if (!kept) return null;
  return byLength || kept.text.length < chars.join('').length ? trimPartialWord(kept.text) : kept.text;
}

/** the real first word at a position of `chars` (up to the end of its line) */
export function realWordAt(chars: string[], p: number): string {
  const line: string[] = [];
  for (let i = p; i < chars.length && i < p + 80 && chars[i] !== '\n'; i++) line.push(chars[i]!);
  return firstWord(line.join(''));
}

const pct = (xs: number[], q: number) => {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

/** Bits/char and top-1 of the mixture on `ids`. */
async function mixtureScores(onnx: OnnxModel, ngram: CharNgram, gate: Gate, ids: ArrayLike<number>): Promise<{ bpc: number; accuracy: number }> {
  let loss = 0,
    correct = 0,
    n = 0;
  const scratch = mixScratch(ngram.V);
  await eachLogits(onnx, ids, (i, logits) => {
    const lp = mixLogProbs(logits, ngram, gate, ids, i, scratch);
    loss -= lp[ids[i]!]!;
    let best = 0;
    for (let c = 1; c < lp.length; c++) if (lp[c]! > lp[best]!) best = c;
    if (best === ids[i]) correct++;
    n++;
  });
  return { bpc: loss / Math.max(1, n) / Math.LN2, accuracy: correct / Math.max(1, n) };
}

/** Type through `chars` with `suggest`: accepted first words are skipped, everything else is typed one by one. */
async function typeThrough(
  chars: string[],
  start: number,
  suggest: (cursor: number) => Promise<string | null>,
): Promise<{ asked: number; hits: number; saved: number; ms: number[] }> {
  let asked = 0,
    hits = 0,
    saved = 0;
  const ms: number[] = [];
  for (let p = start; p < chars.length;) {
    const real = realWordAt(chars, p);
    const t0 = performance.now();
    const s = await suggest(p);
    ms.push(performance.now() - t0);
    asked++;
    const w = s ? firstWord(s) : '';
    if (w && w === real && real.trim()) {
      hits++;
      const n = [...w].length;
      saved += n;
      p += n;
    } else p++;
  }
  return { asked, hits, saved, ms };
}

/**
 * The three completers on `text`: `model` through its stepper (the editor's path), `onnx` for bits/char, and the
 * model's training text `trainIds` for the n-gram. `start` characters of context are read before the first position.
 */
export async function completeEval(o: {
  model: CompletionModel;
  onnx: OnnxModel;
  vocab: Vocab;
  text: string;
  trainIds: ArrayLike<number>;
  options: CompleterOptions;
  start?: number;
}): Promise<CompleteEvalResult> {
  const chars = [...o.text];
  const start = Math.min(o.start ?? 64, Math.max(0, chars.length - 1));
  const ids = o.vocab.encode(o.text);
  const offsets: number[] = []; // code point index → UTF-16 offset, for the Completer's reads
  for (let i = 0, off = 0; i <= chars.length; i++) {
    offsets.push(off);
    off += chars[i]?.length ?? 0;
  }
  const src = (cursor: number) => ({ cursor: offsets[cursor]!, read: (a: number, b: number) => o.text.slice(a, b) });
  const lm = await evaluateOnnx(o.onnx, ids);
  const fitted = await buildMixture(o.onnx, o.vocab.size, o.trainIds);
  const ng = fitted.ngram;
  const ne = ng.evaluate(ids);
  const mix = await mixtureScores(o.onnx, ng, fitted.gate, ids);
  const mixture: CompletionModel = { info: o.model.info, stepper: () => new MixtureStepper(o.model.stepper(), ng, fitted.gate) };
  const figures = (bpc: number, top1: number, r: Awaited<ReturnType<typeof typeThrough>>): CompleterFigures => ({
    bits_per_char: bpc,
    top1,
    proxy: r.asked ? r.hits / r.asked : 0,
    saved_per_100: (100 * r.saved) / Math.max(1, chars.length - start),
    latency_p50_ms: pct(r.ms, 0.5),
    latency_p95_ms: pct(r.ms, 0.95),
  });
  const run = async (opts: CompleterOptions, model = o.model) => {
    const c = new Completer(model, opts);
    await c.warmUp();
    return typeThrough(chars, start, async (p) => (await c.complete('eval', src(p)))?.text ?? null);
  };
  const product = await run(o.options, mixture);
  const lstm = await run({ ...o.options, threshold: 0 });
  const ngram = await typeThrough(chars, start, async (p) => ngramSuggest(ng, o.vocab, Array.from(ids.subarray(Math.max(0, p - 8), p)), o.options));
  return {
    chars: chars.length,
    positions: product.asked,
    gate: { theta: fitted.gate.theta, fixedWeight: 1 / (1 + Math.exp(-fitted.fixed.theta[0]!)), validation: fitted.validation },
    completers: { product: figures(mix.bpc, mix.accuracy, product), lstm: figures(lm.bpc, lm.accuracy, lstm), ngram: figures(ne.bpc, ne.accuracy, ngram) },
  };
}
