/**
 * Recurrent state per document for autocomplete, so a keystroke runs the model over the typed characters only.
 *
 * Each document keeps one consumed span: the text `doc[start, start + text.length)` the model has read from a zero
 * state, with checkpoints (state + next-token logits) at the positions where completions were asked for.
 * A request at cursor offset `c`:
 *   - typing: the span is a prefix of `doc[start, c)` → advance the last checkpoint by the new characters;
 *   - deleting / moving back: a checkpoint at or before `c` still matches the document → advance from it (often by 0);
 *   - an edit inside the span: the document no longer matches after the edit point, so only checkpoints before it
 *     are reused (`applyEdit` also cuts the span at once, from the editor's change events); an edit above the span
 *     shifts it; an edit below the cursor leaves it alone;
 *   - anything else (new document, a jump elsewhere, a span grown past `maxSpan`) → a cold start over the last
 *     `window` characters before the cursor.
 * Whether a checkpoint is reusable is decided on the text itself, so a stale state can never be used.
 * Pure (no vscode import); the state type is opaque. Callers serialize requests per cache.
 */

export interface Advanced<S> {
  state: S;
  logits: Float32Array;
}

export interface Advancer<S> {
  /** read `text` from a zero state */
  start(text: string): Promise<Advanced<S>>;
  /** read `text` after `from`, leaving `from` untouched */
  advance(from: S, text: string): Promise<Advanced<S>>;
}

/** The document as the cache sees it: a cursor offset and a way to read a range (UTF-16 offsets). */
export interface ContextSource {
  cursor: number;
  read(from: number, to: number): string;
}

export interface CacheResult<S> extends Advanced<S> {
  /** characters of context reused from the cache (0 on a cold start) */
  reused: number;
  /** characters the model had to read for this request */
  ran: number;
  cold: boolean;
  /** offset where the consumed span starts */
  start: number;
}

interface Checkpoint<S> {
  end: number;
  state: S;
  logits: Float32Array;
}
interface Entry<S> {
  start: number;
  text: string;
  checkpoints: Checkpoint<S>[];
  used: number;
}

export interface StateCacheOptions {
  /** characters before the cursor read on a cold start (default 512) */
  window: number;
  /** re-start cold once the span is longer than this (default 4 × window) */
  maxSpan?: number;
  /** checkpoints kept per document (default 48) */
  checkpoints?: number;
  /** documents kept (default 16, least recently used dropped) */
  documents?: number;
}

export class DocumentStateCache<S> {
  private readonly entries = new Map<string, Entry<S>>();
  private clock = 0;
  hits = 0;
  misses = 0;

  constructor(
    private readonly adv: Advancer<S>,
    private opts: StateCacheOptions,
  ) {}

  setOptions(o: StateCacheOptions): void {
    if (o.window !== this.opts.window) this.clear();
    this.opts = o;
  }

  get window(): number {
    return this.opts.window;
  }
  private get maxSpan(): number {
    return this.opts.maxSpan ?? 4 * this.opts.window;
  }

  /** The state after the text before the cursor (or null when there is no text before it). */
  async get(key: string, src: ContextSource): Promise<CacheResult<S> | null> {
    const c = src.cursor;
    const e = this.entries.get(key);
    if (e && e.start <= c && c - e.start <= this.maxSpan) {
      const spanEnd = Math.min(c, e.start + e.text.length);
      const cur = src.read(e.start, spanEnd);
      const L = commonPrefix(cur, e.text);
      let best: Checkpoint<S> | undefined;
      for (const cp of e.checkpoints) if (cp.end <= L && (!best || cp.end > best.end)) best = cp;
      if (best) {
        this.hits++;
        e.used = ++this.clock;
        const rest = src.read(e.start + best.end, c);
        if (rest.length === 0) {
          return { state: best.state, logits: best.logits, reused: best.end, ran: 0, cold: false, start: e.start };
        }
        const r = await this.adv.advance(best.state, rest);
        const keep = best.end;
        // the document after `keep` is now `rest`: checkpoints past it belong to text that may be gone
        e.text = e.text.slice(0, keep) + rest;
        e.checkpoints = e.checkpoints.filter((cp) => cp.end <= keep);
        this.addCheckpoint(e, { end: c - e.start, state: r.state, logits: r.logits });
        return { ...r, reused: keep, ran: rest.length, cold: false, start: e.start };
      }
    }
    this.misses++;
    let start = Math.max(0, c - this.opts.window);
    if (start > 0 && isLowSurrogate(src.read(start, start + 1))) start++; // never split a surrogate pair
    const text = src.read(start, c);
    if (text.length === 0) {
      this.entries.delete(key);
      return null;
    }
    const r = await this.adv.start(text);
    const entry: Entry<S> = { start, text, checkpoints: [], used: ++this.clock };
    this.addCheckpoint(entry, { end: text.length, state: r.state, logits: r.logits });
    this.entries.set(key, entry);
    this.evict();
    return { ...r, reused: 0, ran: text.length, cold: true, start };
  }

  /**
   * An edit in the document (from the editor's change events, UTF-16 offsets in the document BEFORE the edit):
   * above the span it shifts the span; inside it cuts the span (and its checkpoints) at the edit; below it changes
   * nothing.
   */
  applyEdit(key: string, offset: number, removed: number, inserted: number): void {
    const e = this.entries.get(key);
    if (!e) return;
    const spanEnd = e.start + e.text.length;
    if (offset + removed <= e.start) {
      e.start += inserted - removed;
      return;
    }
    if (offset >= spanEnd) return;
    const keep = Math.max(0, offset - e.start);
    e.text = e.text.slice(0, keep);
    e.checkpoints = e.checkpoints.filter((cp) => cp.end <= keep);
    if (e.checkpoints.length === 0) this.entries.delete(key);
  }

  /** forget one document (closed, or a model change) */
  invalidate(key: string): void {
    this.entries.delete(key);
  }
  clear(): void {
    this.entries.clear();
  }
  has(key: string): boolean {
    return this.entries.has(key);
  }
  get size(): number {
    return this.entries.size;
  }
  /** the consumed span of a document, for tests and diagnostics */
  span(key: string): { start: number; text: string; checkpoints: number[] } | undefined {
    const e = this.entries.get(key);
    return e && { start: e.start, text: e.text, checkpoints: e.checkpoints.map((cp) => cp.end) };
  }

  private addCheckpoint(e: Entry<S>, cp: Checkpoint<S>): void {
    e.checkpoints = e.checkpoints.filter((x) => x.end !== cp.end);
    e.checkpoints.push(cp);
    const cap = this.opts.checkpoints ?? 48;
    if (e.checkpoints.length > cap) {
      // keep the newest ones, but always the earliest (it anchors edits far back in the span)
      e.checkpoints.sort((a, b) => a.end - b.end);
      const first = e.checkpoints[0]!;
      e.checkpoints = [first, ...e.checkpoints.slice(e.checkpoints.length - cap + 1)];
    }
  }

  private evict(): void {
    const cap = this.opts.documents ?? 16;
    while (this.entries.size > cap) {
      let oldest: string | undefined,
        t = Infinity;
      for (const [k, e] of this.entries)
        if (e.used < t) {
          t = e.used;
          oldest = k;
        }
      this.entries.delete(oldest!);
    }
  }
}

function commonPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

function isLowSurrogate(s: string): boolean {
  const c = s.charCodeAt(0);
  return c >= 0xdc00 && c <= 0xdfff;
}
