/**
 * The autocomplete engine behind the provider (no vscode import, so the benchmark and unit tests run it in Node):
 * per-document recurrent state (stateCache.ts) advanced by the typed characters, then greedy or beam decoding
 * through the model's TokenStepper (onnxruntime-node, greedy in one run of its greedy graph; or the TS engine
 * fallback) up to the end of the line or
 * `maxChars`, cut at stop strings, and kept only as far as the model is confident (confidence.ts).
 */
import { Vocab } from '../../data/vocab';
import { beamSearch, greedyDecode, type TokenStepper } from '../../onnx/decode';
import { applyConfidence, meanConfidence, trimPartialWord } from './confidence';
import { SerialQueue } from './debounce';
import { type ContextSource, DocumentStateCache } from './stateCache';

export interface CompleterOptions {
  /** characters of context before the cursor read on a cold start */
  window: number;
  /** longest suggestion, in characters */
  maxChars: number;
  /** 1 = greedy; more = beam search with this many beams */
  beamWidth: number;
  /** 0..1: show nothing below this confidence (geometric-mean character probability) */
  threshold: number;
  /** the suggestion ends before any of these (a newline ends it too, unless `multiline`) */
  stop: string[];
  /** suggest up to `maxLines` lines (greedy decoding; beam search stays on one line) */
  multiline: boolean;
  maxLines: number;
}

export const DEFAULT_COMPLETER_OPTIONS: CompleterOptions = { window: 512, maxChars: 40, beamWidth: 1, threshold: 0.5, stop: [], multiline: false, maxLines: 3 };

/** What the completer needs from an opened model (fallback.ts's InferenceHandle fits). */
export interface CompletionModel {
  stepper(): TokenStepper;
  info: { vocab?: number[] };
}

export interface CompletionResult {
  /** the suggestion, or null when the model is not confident enough (or has nothing to say) */
  text: string | null;
  confidence: number;
  /** the suggestion before the confidence cut, for diagnostics */
  raw: string;
  stoppedBy: 'newline' | 'stop' | 'length' | 'unsure';
  cold: boolean;
  /** context characters the model read for this request */
  ran: number;
  ms: number;
}

export class Completer {
  readonly vocab: Vocab;
  private readonly cache: DocumentStateCache<TokenStepper>;
  private readonly queue = new SerialQueue();
  private readonly newlineIds: Set<number>;
  private opts: CompleterOptions;
  /** per document: the last full greedy decode (raw characters and their log-probabilities), for typing through it */
  private readonly last = new Map<
    string,
    { end: number; anchor: string; chars: string[]; lps: number[]; stoppedBy: CompletionResult['stoppedBy']; rawLength: number }
  >();

  constructor(
    private readonly model: CompletionModel,
    opts: Partial<CompleterOptions> = {},
  ) {
    if (!model.info.vocab) throw new Error('autocomplete needs a character model with a vocabulary');
    this.vocab = Vocab.fromJSON(model.info.vocab);
    this.opts = { ...DEFAULT_COMPLETER_OPTIONS, ...opts };
    const enc = (text: string) => Array.from(this.vocab.encode(text));
    this.cache = new DocumentStateCache<TokenStepper>(
      {
        start: async (text) => {
          const s = model.stepper();
          return { state: s, logits: await s.prime(enc(text)) };
        },
        advance: async (from, text) => {
          const s = from.fork();
          return { state: s, logits: await s.prime(enc(text)) };
        },
      },
      { window: this.opts.window },
    );
    this.newlineIds = new Set([0x0a, 0x0d].map((cp) => this.vocab.lookup(cp)).filter((id) => id >= 0));
  }

  /** Build what the first suggestion would otherwise wait for (onnxruntime's greedy-decoding session). */
  async warmUp(): Promise<void> {
    const s = this.model.stepper();
    if (s.greedy && this.opts.beamWidth === 1) await s.greedy([0], 1, []);
  }

  get options(): CompleterOptions {
    return this.opts;
  }
  setOptions(o: Partial<CompleterOptions>): void {
    this.opts = { ...this.opts, ...o };
    this.cache.setOptions({ window: this.opts.window });
    this.last.clear();
  }

  get cacheStats(): { hits: number; misses: number; documents: number } {
    return { hits: this.cache.hits, misses: this.cache.misses, documents: this.cache.size };
  }

  /** the editor changed a document (offsets before the change); see DocumentStateCache.applyEdit */
  applyEdit(key: string, offset: number, removed: number, inserted: number): void {
    this.cache.applyEdit(key, offset, removed, inserted);
    const l = this.last.get(key);
    if (l && offset < l.end) this.last.delete(key); // only typing at or after the decode point keeps it
  }
  invalidate(key: string): void {
    this.cache.invalidate(key);
    this.last.delete(key);
  }
  clear(): void {
    this.cache.clear();
    this.last.clear();
  }

  /**
   * A suggestion for the cursor of `src`, or undefined when `cancelled()` became true on the way (checked
   * between model calls). Requests run one at a time.
   */
  complete(key: string, src: ContextSource, cancelled: () => boolean = () => false): Promise<CompletionResult | undefined> {
    return this.queue.run(async () => {
      const t0 = performance.now();
      if (cancelled()) return undefined;
      const reused = this.typedThrough(key, src);
      if (reused) return { ...reused, cold: false, ran: 0, ms: performance.now() - t0 };
      this.last.delete(key);
      const st = await this.cache.get(key, src);
      if (!st) return { text: null, confidence: 0, raw: '', stoppedBy: 'unsure', cold: true, ran: 0, ms: performance.now() - t0 };
      if (cancelled()) return undefined;
      const o = this.opts;
      const r = o.beamWidth > 1 ? await this.beam(st.state, st.logits) : await this.greedy(st.state, st.logits, cancelled, key, src);
      if (!r) return undefined;
      return { ...r, cold: st.cold, ran: st.ran, ms: performance.now() - t0 };
    });
  }

  /**
   * Typing through a greedy suggestion: when the characters typed since the last full decode are exactly the start of
   * its raw continuation, the rest of that continuation IS the greedy decode from the new position (same model, same
   * state), so it is reused without any model call. The state cache catches up at the next real decode.
   */
  private typedThrough(key: string, src: ContextSource): Omit<CompletionResult, 'cold' | 'ran' | 'ms'> | undefined {
    const l = this.last.get(key);
    if (!l || this.opts.beamWidth > 1) return undefined;
    const c = src.cursor;
    if (c <= l.end || c - l.end > l.rawLength) return undefined;
    const typed = [...src.read(l.end, c)];
    if (typed.length > l.chars.length || typed.some((ch, i) => ch !== l.chars[i])) return undefined;
    if (src.read(Math.max(0, l.end - l.anchor.length), l.end) !== l.anchor) return undefined; // the text before changed
    const chars = l.chars.slice(typed.length),
      lps = l.lps.slice(typed.length);
    // a continuation cut by the length limit runs short as it is typed: decode afresh once half of it is used up
    if (l.stoppedBy === 'length' && chars.length < this.opts.maxChars / 2) return undefined;
    if (chars.length === 0) return undefined;
    const r = this.finish(chars, lps, l.stoppedBy);
    return r.text === null ? undefined : r;
  }

  private async greedy(
    from: TokenStepper,
    first: Float32Array,
    cancelled: () => boolean,
    key?: string,
    src?: ContextSource,
  ): Promise<Omit<CompletionResult, 'cold' | 'ran' | 'ms'> | undefined> {
    const o = this.opts;
    const logT = o.threshold > 0 ? Math.log(o.threshold) : -Infinity;
    // all picks up to the end of the line or maxChars in one model call where the backend can (the greedy graph)
    const picked = await greedyDecode(from.fork(), first, o.maxChars, o.multiline ? [] : [...this.newlineIds], cancelled);
    if (!picked) return undefined;
    const chars: string[] = [],
      lps: number[] = [];
    let sum = 0;
    let stoppedBy: CompletionResult['stoppedBy'] = 'length';
    let text = '';
    let lines = 1;
    for (let i = 0; i < picked.ids.length; i++) {
      const id = picked.ids[i]!,
        logProb = picked.logProbs[i]!;
      // one line, or (multiline) up to maxLines lines: the suggestion ends before the newline that would start one more
      if (this.newlineIds.has(id) && (!o.multiline || ++lines >= o.maxLines)) {
        stoppedBy = 'newline';
        break;
      }
      const ch = this.vocab.decode([id]);
      chars.push(ch);
      lps.push(logProb);
      sum += logProb;
      text += ch;
      const hit = o.stop.find((x) => x.length > 0 && text.endsWith(x));
      if (hit !== undefined) {
        // drop the characters of the stop string (they may span several code points)
        let cut = [...hit].length;
        while (cut-- > 0) {
          chars.pop();
          lps.pop();
        }
        stoppedBy = 'stop';
        break;
      }
      // even perfectly sure characters from here on could not lift the mean back over the threshold
      if (sum / o.maxChars < logT && sum / (i + 1) < logT) {
        stoppedBy = 'unsure';
        break;
      }
    }
    if (key !== undefined && src !== undefined && (stoppedBy === 'newline' || stoppedBy === 'length')) {
      const c = src.cursor;
      this.last.set(key, { end: c, anchor: src.read(Math.max(0, c - 64), c), chars: [...chars], lps: [...lps], stoppedBy, rawLength: chars.join('').length });
      if (this.last.size > 32) this.last.delete(this.last.keys().next().value!);
    }
    return this.finish(chars, lps, stoppedBy);
  }

  private async beam(from: TokenStepper, first: Float32Array): Promise<Omit<CompletionResult, 'cold' | 'ran' | 'ms'>> {
    const o = this.opts;
    const hyps = await beamSearch(from.fork(), first, this.vocab, {
      width: o.beamWidth,
      length: o.maxChars,
      stopTokens: [...this.newlineIds],
      stop: o.stop.filter((x) => x.length > 0),
      lengthPenalty: 1,
    });
    const best = hyps[0];
    if (!best || best.text.length === 0) return { text: null, confidence: 0, raw: '', stoppedBy: 'unsure' };
    // a hypothesis finished by the newline token scored that token too
    const conf = meanConfidence(best.logProb, best.ids.length + (best.finished ? 1 : 0));
    const stoppedBy: CompletionResult['stoppedBy'] = best.finished ? 'newline' : 'length';
    if (conf < o.threshold) return { text: null, confidence: conf, raw: best.text, stoppedBy: 'unsure' };
    const text = stoppedBy === 'length' ? trimPartialWord(best.text) : best.text;
    return { text: text.trim().length ? text : null, confidence: conf, raw: best.text, stoppedBy };
  }

  private finish(chars: string[], lps: number[], stoppedBy: CompletionResult['stoppedBy']): Omit<CompletionResult, 'cold' | 'ran' | 'ms'> {
    const raw = chars.join('');
    const kept = applyConfidence(chars, lps, this.opts.threshold);
    if (!kept) return { text: null, confidence: 0, raw, stoppedBy: 'unsure' };
    const cut = kept.text.length < raw.length;
    const by = cut ? 'unsure' : stoppedBy;
    const text = by === 'length' || by === 'unsure' ? trimPartialWord(kept.text) : kept.text;
    return { text, confidence: kept.confidence, raw, stoppedBy: by };
  }
}
