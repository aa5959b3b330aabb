/**
 * Decoding over any stateful token stepper (onnxruntime-node's Stepper, or an engine adapter): sampling with
 * temperature / top-k / top-p / greedy and stop strings (the token choice is the engine's `pickToken`, so both
 * inference paths pick identically from identical logits), and beam search for autocomplete.
 * Pure: no onnxruntime import. All randomness comes from a seeded Rng, so every output is reproducible.
 */
import { Rng } from '../engine/rng';
import { type SampleOptions, pickToken, validateSampleOptions } from '../engine/sampling';

/** A stream that takes tokens and returns the logits (V) for the next one; fork() continues independently. */
export interface TokenStepper {
  prime(tokens: ArrayLike<number>): Promise<Float32Array> | Float32Array;
  step(token: number): Promise<Float32Array> | Float32Array;
  fork(): TokenStepper;
  /** optional: advance this and `others` (same model) by one token each in one batched call, this one first */
  stepBatch?(others: TokenStepper[], tokens: number[]): Promise<Float32Array[]> | Float32Array[];
  /**
   * optional: read `tokens`, then pick up to `maxSteps` tokens greedily, stopping after one of `stopIds`, in as few
   * calls as the backend can (onnxruntime: one run of the greedy graph). The stepper ends up after `tokens` only.
   */
  greedy?(tokens: ArrayLike<number>, maxSteps: number, stopIds: number[]): Promise<GreedyResult>;
}

/** Greedy picks after a context: ids (a stop id, if one was picked, is the last) and their log-probabilities. */
export interface GreedyResult {
  ids: number[];
  logProbs: number[];
}

/** The most likely token and its log-probability (ties go to the lower id). */
export function argmaxLogProb(logits: ArrayLike<number>): { id: number; logProb: number } {
  let best = 0,
    max = -Infinity;
  for (let v = 0; v < logits.length; v++)
    if (logits[v]! > max) {
      max = logits[v]!;
      best = v;
    }
  let s = 0;
  for (let v = 0; v < logits.length; v++) s += Math.exp(logits[v]! - max);
  return { id: best, logProb: -Math.log(s) };
}

/**
 * Up to `maxSteps` greedy tokens after `firstLogits` (the stepper's logits for its next token), stopping after one
 * of `stopIds`. Uses the stepper's one-call `greedy` when it has one, else steps; advances `stepper`.
 */
export async function greedyDecode(
  stepper: TokenStepper,
  firstLogits: Float32Array,
  maxSteps: number,
  stopIds: number[],
  cancelled: () => boolean = () => false,
): Promise<GreedyResult | undefined> {
  const first = argmaxLogProb(firstLogits);
  const ids = [first.id],
    logProbs = [first.logProb];
  const stop = new Set(stopIds);
  if (stop.has(first.id) || maxSteps <= 1) return { ids, logProbs };
  if (cancelled()) return undefined;
  const r = stepper.greedy
    ? await stepper.greedy([first.id], maxSteps - 1, stopIds)
    : await greedySteps(stepper, await stepper.step(first.id), maxSteps - 1, stopIds, cancelled);
  return r && { ids: ids.concat(r.ids), logProbs: logProbs.concat(r.logProbs) };
}

/**
 * The same picks one call per token, without the stepper's `greedy` (its fallback, and the engine's path); advances
 * `stepper` past every pick but the last. Undefined when `cancelled()` became true between calls.
 */
export async function greedySteps(
  stepper: TokenStepper,
  firstLogits: Float32Array,
  maxSteps: number,
  stopIds: number[],
  cancelled: () => boolean = () => false,
): Promise<GreedyResult | undefined> {
  const ids: number[] = [],
    logProbs: number[] = [];
  const stop = new Set(stopIds);
  let logits = firstLogits;
  for (;;) {
    const { id, logProb } = argmaxLogProb(logits);
    ids.push(id);
    logProbs.push(logProb);
    if (stop.has(id) || ids.length >= maxSteps) return { ids, logProbs };
    if (cancelled()) return undefined;
    logits = await stepper.step(id);
  }
}

export interface DecodeCodec {
  decode(ids: ArrayLike<number>): string;
}

export interface SampleRunOptions extends SampleOptions {
  /** characters to generate */
  length: number;
  seed?: number;
  /** stop (and cut) when the output ends with one of these */
  stop?: string[];
  onText?(piece: string): void;
  /** checked before each step; return true to stop early */
  cancelled?(): boolean;
}

export interface SampleResult {
  text: string;
  ids: number[];
  stoppedBy: 'length' | 'stop' | 'cancelled';
}

/**
 * Sample `length` tokens after `firstLogits` (the logits the stepper returned for the context).
 * The stepper is advanced past every generated token except the last.
 */
export async function sampleText(stepper: TokenStepper, firstLogits: Float32Array, codec: DecodeCodec, o: SampleRunOptions): Promise<SampleResult> {
  validateSampleOptions(o);
  const V = firstLogits.length;
  const rng = new Rng(o.seed ?? 1);
  const scratch = { probs: new Float64Array(V), order: new Int32Array(V) };
  let logits = firstLogits;
  let text = '';
  const ids: number[] = [];
  for (let i = 0; i < o.length; i++) {
    if (o.cancelled?.()) return { text, ids, stoppedBy: 'cancelled' };
    const id = pickToken(logits, 0, V, o, rng, scratch);
    ids.push(id);
    const piece = codec.decode([id]);
    text += piece;
    o.onText?.(piece);
    const hit = o.stop?.find((s) => s.length > 0 && text.endsWith(s));
    if (hit !== undefined) return { text: text.slice(0, text.length - hit.length), ids, stoppedBy: 'stop' };
    if (i < o.length - 1) logits = await stepper.step(id);
  }
  return { text, ids, stoppedBy: 'length' };
}

export interface BeamOptions {
  /** run all beams of a step in one batched call when the stepper supports it (default true) */
  batch?: boolean;
  /** beams kept per step */
  width: number;
  /** maximum tokens per hypothesis */
  length: number;
  /** a hypothesis is finished when its text ends with one of these (the stop string is cut) */
  stop?: string[];
  /** a hypothesis is finished when it emits one of these token ids (not included in the output) */
  stopTokens?: number[];
  /** score = sum log p / len^lengthPenalty (0 = raw sum, the default) */
  lengthPenalty?: number;
  /** candidate tokens expanded per beam (defaults to width) */
  expand?: number;
}

export interface BeamHypothesis {
  ids: number[];
  text: string;
  logProb: number;
  score: number;
  finished: boolean;
}

function logSoftmax(logits: Float32Array): Float64Array {
  let max = -Infinity;
  for (const x of logits) if (x > max) max = x;
  let s = 0;
  for (const x of logits) s += Math.exp(x - max);
  const lse = max + Math.log(s);
  const out = new Float64Array(logits.length);
  for (let v = 0; v < logits.length; v++) out[v] = logits[v]! - lse;
  return out;
}

/** Indices of the k largest values, largest first, ties broken by lower index (deterministic). */
function topIndices(x: Float64Array, k: number): number[] {
  const idx = Array.from(x.keys());
  idx.sort((a, b) => x[b]! - x[a]! || a - b);
  return idx.slice(0, k);
}

/**
 * Beam search from `firstLogits` (the stepper's logits after the context). Returns hypotheses best first:
 * finished ones (stop string/token) and the beams alive at `length`, ranked by score. Deterministic.
 */
export async function beamSearch(stepper: TokenStepper, firstLogits: Float32Array, codec: DecodeCodec, o: BeamOptions): Promise<BeamHypothesis[]> {
  if (!(Number.isInteger(o.width) && o.width >= 1)) throw new Error(`beam width must be a whole number >= 1 (got ${o.width})`);
  if (!(Number.isInteger(o.length) && o.length >= 1)) throw new Error(`beam length must be a whole number >= 1 (got ${o.length})`);
  const lp = o.lengthPenalty ?? 0;
  const scoreOf = (logProb: number, n: number) => (lp === 0 ? logProb : logProb / Math.pow(Math.max(n, 1), lp));
  const expand = o.expand ?? o.width;
  const stopTokens = new Set(o.stopTokens ?? []);
  interface Beam {
    ids: number[];
    text: string;
    logProb: number;
    stepper: TokenStepper;
    logits: Float32Array;
  }
  let beams: Beam[] = [{ ids: [], text: '', logProb: 0, stepper, logits: firstLogits }];
  const done: BeamHypothesis[] = [];
  for (let t = 0; t < o.length && beams.length > 0; t++) {
    const cands: { beam: number; id: number; logProb: number }[] = [];
    beams.forEach((b, bi) => {
      const ls = logSoftmax(b.logits);
      for (const id of topIndices(ls, Math.min(expand, ls.length))) cands.push({ beam: bi, id, logProb: b.logProb + ls[id]! });
    });
    cands.sort((a, b) => b.logProb - a.logProb || a.beam - b.beam || a.id - b.id);
    const next: Beam[] = [];
    const used = new Set<number>();
    for (const c of cands) {
      if (next.length >= o.width) break;
      const parent = beams[c.beam]!;
      const ids = [...parent.ids, c.id];
      if (stopTokens.has(c.id)) {
        done.push({ ids: parent.ids, text: parent.text, logProb: c.logProb, score: scoreOf(c.logProb, ids.length), finished: true });
        continue;
      }
      const text = parent.text + codec.decode([c.id]);
      const hit = o.stop?.find((s) => s.length > 0 && text.endsWith(s));
      if (hit !== undefined) {
        done.push({ ids, text: text.slice(0, text.length - hit.length), logProb: c.logProb, score: scoreOf(c.logProb, ids.length), finished: true });
        continue;
      }
      // the first child of a parent takes over its stepper, later ones fork it; no stepper advances until all are chosen
      let s: TokenStepper;
      if (!used.has(c.beam)) {
        used.add(c.beam);
        s = parent.stepper;
      } else s = parent.stepper.fork();
      next.push({ ids, text, logProb: c.logProb, stepper: s, logits: parent.logits });
    }
    if (t === o.length - 1) {
      for (const b of next) done.push({ ids: b.ids, text: b.text, logProb: b.logProb, score: scoreOf(b.logProb, b.ids.length), finished: false });
      break;
    }
    // with raw log-prob scores a live beam can only get worse: stop once `width` finished ones beat them all
    if (lp === 0 && done.length >= o.width) {
      const kth = done.map((d) => d.score).sort((a, b) => b - a)[o.width - 1]!;
      if (next.every((b) => b.logProb <= kth)) break;
    }
    const head = next[0]?.stepper;
    if (head?.stepBatch && next.length > 1 && o.batch !== false) {
      const out = await head.stepBatch(
        next.slice(1).map((b) => b.stepper),
        next.map((b) => b.ids[b.ids.length - 1]!),
      );
      next.forEach((b, i) => {
        b.logits = out[i]!;
      });
    } else {
      for (const b of next) b.logits = await b.stepper.step(b.ids[b.ids.length - 1]!);
    }
    beams = next;
  }
  done.sort((a, b) => b.score - a.score || a.ids.length - b.ids.length);
  return done;
}

/**
 * Recurrent states of recently seen contexts, for autocomplete: as the user types, the new context usually
 * extends a previous one, so only the new tokens are run. `advance(ids)` returns a fresh fork positioned after
 * `ids` (the caller may step it freely) and the logits for the next token.
 */
export class PrefixCache {
  private entries: { ids: number[]; stepper: TokenStepper; logits: Float32Array }[] = [];
  hits = 0;
  misses = 0;
  constructor(
    private readonly make: () => TokenStepper,
    readonly capacity = 8,
  ) {}

  async advance(ids: ArrayLike<number>): Promise<{ stepper: TokenStepper; logits: Float32Array; reused: number }> {
    const want = Array.from(ids);
    if (want.length === 0) throw new Error('cannot advance to an empty context');
    let best = -1,
      bestLen = 0;
    this.entries.forEach((e, i) => {
      if (e.ids.length > bestLen && e.ids.length <= want.length && e.ids.every((v, j) => v === want[j])) {
        best = i;
        bestLen = e.ids.length;
      }
    });
    let stepper: TokenStepper, logits: Float32Array;
    if (best >= 0) {
      const e = this.entries.splice(best, 1)[0]!;
      this.entries.push(e); // most recently used last
      this.hits++;
      if (bestLen === want.length) return { stepper: e.stepper.fork(), logits: e.logits, reused: bestLen };
      stepper = e.stepper.fork();
      logits = await stepper.prime(want.slice(bestLen));
    } else {
      this.misses++;
      stepper = this.make();
      logits = await stepper.prime(want);
    }
    this.entries.push({ ids: want, stepper, logits });
    while (this.entries.length > this.capacity) this.entries.shift();
    return { stepper: stepper.fork(), logits, reused: bestLen };
  }

  clear(): void {
    this.entries = [];
  }
}
