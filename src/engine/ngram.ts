/**
 * A character n-gram language model (default order 5) with interpolated absolute discounting: the honest anchor
 * the char-RNN has to beat (bench/complete.ts). Over token ids 0..V-1; every probability is properly normalized,
 * so its bits/char compare directly with a neural model's:
 *
 *   P(c | h) = max(C(h c) − d, 0) / C(h)  +  d · N1+(h •) / C(h) · P(c | h')      (h' = h without its first token)
 *   P(c | ε) = max(C(c) − d, 0) / N + d · N1+(•) / N · 1/V
 *
 * with d = 0.75; a context never seen backs off to h' entirely. Pure, no I/O.
 */
export class CharNgram {
  /** context key → next id → count, one map per context length 0..order-1 */
  private readonly next: Map<string, Map<number, number>>[];
  /** context key → [total count, distinct next ids] */
  private readonly totals: Map<string, [number, number]>[];

  constructor(
    readonly V: number,
    readonly order = 5,
    readonly discount = 0.75,
  ) {
    if (!(Number.isInteger(order) && order >= 1)) throw new Error(`n-gram order must be >= 1 (got ${order})`);
    this.next = Array.from({ length: order }, () => new Map());
    this.totals = Array.from({ length: order }, () => new Map());
  }

  /** count every n-gram of `ids` (may be called again to add more text) */
  train(ids: ArrayLike<number>): void {
    for (let i = 0; i < ids.length; i++) {
      const c = ids[i]!;
      for (let k = 0; k < this.order && k <= i; k++) {
        const key = keyOf(ids, i - k, i);
        let m = this.next[k]!.get(key);
        if (!m) {
          m = new Map();
          this.next[k]!.set(key, m);
        }
        const n = m.get(c) ?? 0;
        m.set(c, n + 1);
        const t = this.totals[k]!.get(key);
        if (t) {
          t[0]++;
          if (n === 0) t[1]++;
        } else this.totals[k]!.set(key, [1, 1]);
      }
    }
  }

  /** P(c | the up to order-1 ids before position `end` of `ids`) */
  prob(ids: ArrayLike<number>, end: number, c: number): number {
    let p = 1 / this.V;
    const maxK = Math.min(this.order - 1, end);
    for (let k = 0; k <= maxK; k++) {
      const key = keyOf(ids, end - k, end);
      const t = this.totals[k]!.get(key);
      if (!t) break; // a longer context containing this one cannot have been seen either
      const n = this.next[k]!.get(key)!.get(c) ?? 0;
      p = Math.max(n - this.discount, 0) / t[0] + ((this.discount * t[1]) / t[0]) * p;
    }
    return p;
  }

  /**
   * The whole next-id distribution after the up to order-1 ids before `end` of `ids`, written into out (V), the same
   * recursion as `prob` for every id at once. Returns the longest context length that was seen (0 = none).
   */
  distribution(ids: ArrayLike<number>, end: number, out: Float64Array): number {
    out.fill(1 / this.V);
    const maxK = Math.min(this.order - 1, end);
    let matched = 0;
    for (let k = 0; k <= maxK; k++) {
      const key = keyOf(ids, end - k, end);
      const t = this.totals[k]!.get(key);
      if (!t) break;
      const back = (this.discount * t[1]) / t[0];
      for (let c = 0; c < this.V; c++) out[c]! *= back;
      for (const [c, n] of this.next[k]!.get(key)!) out[c]! += Math.max(n - this.discount, 0) / t[0];
      matched = k;
    }
    return matched;
  }

  /** the most likely next id and its probability (candidates: every id seen after any suffix of the context) */
  best(ids: ArrayLike<number>, end: number): { id: number; p: number } {
    const cands = new Set<number>();
    const maxK = Math.min(this.order - 1, end);
    for (let k = 0; k <= maxK; k++) {
      const m = this.next[k]!.get(keyOf(ids, end - k, end));
      if (!m) break;
      for (const c of m.keys()) cands.add(c);
    }
    if (cands.size === 0) cands.add(0);
    let id = -1,
      p = -1;
    for (const c of cands) {
      const q = this.prob(ids, end, c);
      if (q > p || (q === p && c < id)) {
        p = q;
        id = c;
      }
    }
    return { id, p };
  }

  /** every context of length k (as ids) with its next-id counts (for saving; see engine/mixtureFile.ts) */
  *contexts(k: number): Generator<[number[], Map<number, number>]> {
    for (const [key, m] of this.next[k]!) yield [Array.from(key, (ch) => ch.charCodeAt(0) - 1), m];
  }

  /** add `n` to the count of id `c` after the context `ctx` (length < order): the inverse of `contexts` */
  addCount(ctx: number[], c: number, n: number): void {
    const k = ctx.length;
    const key = keyOf(ctx, 0, k);
    let m = this.next[k]!.get(key);
    if (!m) this.next[k]!.set(key, (m = new Map()));
    const had = m.get(c) ?? 0;
    m.set(c, had + n);
    const t = this.totals[k]!.get(key);
    if (t) {
      t[0] += n;
      if (had === 0) t[1]++;
    } else this.totals[k]!.set(key, [n, 1]);
  }

  /** mean cross-entropy (nats/char), bits/char and top-1 accuracy of predicting ids[i] from ids[..i], i ≥ 1 */
  evaluate(ids: ArrayLike<number>): { chars: number; loss: number; bpc: number; accuracy: number } {
    let loss = 0,
      correct = 0;
    const n = ids.length - 1;
    for (let i = 1; i <= n; i++) {
      loss -= Math.log(this.prob(ids, i, ids[i]!));
      if (this.best(ids, i).id === ids[i]) correct++;
    }
    return { chars: n, loss: loss / n, bpc: loss / n / Math.LN2, accuracy: correct / n };
  }
}

function keyOf(ids: ArrayLike<number>, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += String.fromCharCode(ids[i]! + 1); // ids < 65535: one UTF-16 unit each
  return s;
}
