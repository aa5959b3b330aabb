/**
 * Local autocomplete statistics, never sent anywhere: suggestions shown, accepted, characters saved, and the
 * provider's latency (call → items) as p50/p95 over the most recent requests. Serializable for globalState. Pure.
 */
export interface StatsSnapshot {
  shown: number;
  accepted: number;
  charsSaved: number;
  /** provider calls that ran the model (shown or not) */
  requests: number;
  /** of which answered from a cold state (new document, or an edit far back) */
  cold: number;
  /** recent latencies in ms (at most `LATENCY_WINDOW`) */
  latencies: number[];
  since: string;
}

export const LATENCY_WINDOW = 1000;

export function percentile(xs: readonly number[], p: number): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1));
  return s[i]!;
}

export class CompletionStats {
  private s: StatsSnapshot;
  constructor(init?: Partial<StatsSnapshot>, now = new Date()) {
    this.s = { shown: 0, accepted: 0, charsSaved: 0, requests: 0, cold: 0, latencies: [], since: now.toISOString() };
    if (init) this.load(init);
  }

  private load(init: Partial<StatsSnapshot>): void {
    const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.floor(v) : 0);
    this.s.shown = n(init.shown);
    this.s.accepted = n(init.accepted);
    this.s.charsSaved = n(init.charsSaved);
    this.s.requests = n(init.requests);
    this.s.cold = n(init.cold);
    if (Array.isArray(init.latencies))
      this.s.latencies = init.latencies.filter((x) => typeof x === 'number' && Number.isFinite(x) && x >= 0).slice(-LATENCY_WINDOW);
    if (typeof init.since === 'string') this.s.since = init.since;
  }

  /** a provider call that ran the model; `shown` when it returned a suggestion */
  recordRequest(ms: number, shown: boolean, cold: boolean): void {
    this.s.requests++;
    if (cold) this.s.cold++;
    if (shown) this.s.shown++;
    this.s.latencies.push(ms);
    if (this.s.latencies.length > LATENCY_WINDOW) this.s.latencies.splice(0, this.s.latencies.length - LATENCY_WINDOW);
  }

  recordAccepted(chars: number): void {
    this.s.accepted++;
    this.s.charsSaved += Math.max(0, chars);
  }

  get shown(): number {
    return this.s.shown;
  }
  get accepted(): number {
    return this.s.accepted;
  }
  get charsSaved(): number {
    return this.s.charsSaved;
  }
  get requests(): number {
    return this.s.requests;
  }
  get p50(): number | null {
    return percentile(this.s.latencies, 0.5);
  }
  get p95(): number | null {
    return percentile(this.s.latencies, 0.95);
  }
  /** accepted / shown, or null before anything was shown */
  get acceptRate(): number | null {
    return this.s.shown ? this.s.accepted / this.s.shown : null;
  }

  snapshot(): StatsSnapshot {
    return { ...this.s, latencies: [...this.s.latencies] };
  }
  reset(now = new Date()): void {
    this.s = { shown: 0, accepted: 0, charsSaved: 0, requests: 0, cold: 0, latencies: [], since: now.toISOString() };
  }
}
