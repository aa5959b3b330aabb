/**
 * A mixture of two next-character experts, the LSTM and the n-gram, with a small gate that weighs them per
 * character: p(c) = w·p_lstm(c) + (1 − w)·p_ngram(c), w = σ(θ·f), where f are features of the two distributions
 * (their entropies, their top probabilities, the n-gram order matched). θ is fitted on validation text by gradient
 * ascent on the mixture's log-likelihood; `fitGate(…, { fixed: true })` fits one weight for every character (the
 * fixed interpolation the gate has to beat). Pure, no I/O.
 */

export const GATE_FEATURES = 6;

/** The gate's features of one position: bias, both entropies (in units of ln V), both top probabilities, n-gram order. */
export function gateFeatures(pl: ArrayLike<number>, pn: ArrayLike<number>, matched: number, order: number, out: Float64Array): void {
  let hl = 0,
    hn = 0,
    ml = 0,
    mn = 0;
  const V = pl.length;
  for (let c = 0; c < V; c++) {
    const a = pl[c]!,
      b = pn[c]!;
    if (a > 0) hl -= a * Math.log(a);
    if (b > 0) hn -= b * Math.log(b);
    if (a > ml) ml = a;
    if (b > mn) mn = b;
  }
  const lnV = Math.log(Math.max(2, V));
  out[0] = 1;
  out[1] = hl / lnV;
  out[2] = hn / lnV;
  out[3] = ml;
  out[4] = mn;
  out[5] = order > 1 ? matched / (order - 1) : 0;
}

export interface Gate {
  /** weights of the features (GATE_FEATURES) */
  theta: number[];
}

export function gateWeight(g: Gate, f: ArrayLike<number>): number {
  let z = 0;
  for (let i = 0; i < g.theta.length; i++) z += g.theta[i]! * f[i]!;
  return 1 / (1 + Math.exp(-z));
}

/** One validation position: the features, and each expert's probability of the character that came. */
export interface GateSample {
  f: Float64Array;
  pl: number;
  pn: number;
}

/** Mean log-likelihood (nats) of the samples under the gate. */
export function gateLogLik(g: Gate, samples: GateSample[]): number {
  let s = 0;
  for (const x of samples) {
    const w = gateWeight(g, x.f);
    s += Math.log(Math.max(1e-12, w * x.pl + (1 - w) * x.pn));
  }
  return s / Math.max(1, samples.length);
}

/** θ by Adam on the mean log-likelihood; `fixed` keeps only the bias (one weight for every position). */
export function fitGate(samples: GateSample[], opts: { fixed?: boolean; steps?: number; lr?: number } = {}): Gate {
  const n = opts.fixed ? 1 : GATE_FEATURES;
  const theta = new Array<number>(GATE_FEATURES).fill(0);
  const m = new Float64Array(n),
    v = new Float64Array(n),
    grad = new Float64Array(n);
  const lr = opts.lr ?? 0.05;
  for (let step = 1; step <= (opts.steps ?? 300); step++) {
    grad.fill(0);
    for (const x of samples) {
      const w = gateWeight({ theta }, x.f);
      const p = Math.max(1e-12, w * x.pl + (1 - w) * x.pn);
      const d = ((x.pl - x.pn) * w * (1 - w)) / p; // d log p / dz
      for (let i = 0; i < n; i++) grad[i]! += d * x.f[i]!;
    }
    for (let i = 0; i < n; i++) {
      const gi = grad[i]! / Math.max(1, samples.length);
      m[i] = 0.9 * m[i]! + 0.1 * gi;
      v[i] = 0.999 * v[i]! + 0.001 * gi * gi;
      const mh = m[i]! / (1 - 0.9 ** step),
        vh = v[i]! / (1 - 0.999 ** step);
      theta[i]! += (lr * mh) / (Math.sqrt(vh) + 1e-8); // ascent
    }
  }
  return { theta };
}
