/**
 * Nelder–Mead minimisation (Lagarias et al. 1998 coefficients) for the statistical forecasters' few parameters
 * (ETS: at most 4, in an unconstrained space; see ets.ts), and golden-section search for one parameter (SES).
 * Written here rather than taken from a package: the maintained numeric libraries on npm (ml-matrix, ml-levenberg-
 * marquardt) have no derivative-free minimiser, and `fmin` has not been released since 2016. The tests check the
 * results against statsmodels' optimiser (test/unit/forecast-stats.test.ts).
 */

export interface Minimum {
  x: number[];
  f: number;
  iterations: number;
}

/** minimise f from x0; `step` is the initial simplex size in every coordinate */
export function nelderMead(f: (x: number[]) => number, x0: number[], opts: { step?: number; maxIter?: number; tol?: number } = {}): Minimum {
  const n = x0.length,
    step = opts.step ?? 0.5,
    maxIter = opts.maxIter ?? 200 * n + 200,
    tol = opts.tol ?? 1e-10;
  const value = (x: number[]) => {
    const v = f(x);
    return Number.isFinite(v) ? v : Infinity;
  };
  let simplex = [x0.slice(), ...x0.map((_, i) => x0.map((v, j) => (i === j ? v + step : v)))].map((x) => ({ x, f: value(x) }));
  let it = 0;
  for (; it < maxIter; it++) {
    simplex.sort((a, b) => a.f - b.f);
    const best = simplex[0]!,
      worst = simplex[n]!;
    if (Math.abs(worst.f - best.f) <= tol * (Math.abs(best.f) + 1e-12) && spread(simplex) < 1e-9) break;
    const c = centroid(simplex.slice(0, n).map((p) => p.x));
    const at = (t: number) => c.map((v, j) => v + t * (worst.x[j]! - v));
    const r = { x: at(-1), f: 0 };
    r.f = value(r.x);
    if (r.f < best.f) {
      const e = { x: at(-2), f: 0 };
      e.f = value(e.x);
      simplex[n] = e.f < r.f ? e : r;
    } else if (r.f < simplex[n - 1]!.f) simplex[n] = r;
    else {
      const k = { x: at(r.f < worst.f ? -0.5 : 0.5), f: 0 };
      k.f = value(k.x);
      if (k.f < Math.min(r.f, worst.f)) simplex[n] = k;
      else
        simplex = simplex
          .map((p, i) => (i === 0 ? p : { x: p.x.map((v, j) => best.x[j]! + 0.5 * (v - best.x[j]!)), f: 0 }))
          .map((p, i) => (i === 0 ? p : { x: p.x, f: value(p.x) }));
    }
  }
  simplex.sort((a, b) => a.f - b.f);
  return { x: simplex[0]!.x, f: simplex[0]!.f, iterations: it };
}

function centroid(xs: number[][]): number[] {
  return xs[0]!.map((_, j) => xs.reduce((s, x) => s + x[j]!, 0) / xs.length);
}

function spread(simplex: { x: number[] }[]): number {
  let m = 0;
  for (const p of simplex) for (let j = 0; j < p.x.length; j++) m = Math.max(m, Math.abs(p.x[j]! - simplex[0]!.x[j]!));
  return m;
}

/** minimise a one-parameter f on [lo, hi]: a grid of `grid` points finds the basin, golden-section search the minimum */
export function minimise1d(f: (x: number) => number, lo: number, hi: number, grid = 50): { x: number; f: number } {
  let bi = 0,
    bf = Infinity;
  for (let i = 0; i <= grid; i++) {
    const v = f(lo + ((hi - lo) * i) / grid);
    if (v < bf) [bi, bf] = [i, v];
  }
  let a = lo + ((hi - lo) * Math.max(0, bi - 1)) / grid,
    b = lo + ((hi - lo) * Math.min(grid, bi + 1)) / grid;
  const g = (Math.sqrt(5) - 1) / 2;
  let c = b - g * (b - a),
    d = a + g * (b - a),
    fc = f(c),
    fd = f(d);
  for (let i = 0; i < 200 && b - a > 1e-12; i++) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - g * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + g * (b - a);
      fd = f(d);
    }
  }
  const x = (a + b) / 2,
    fx = f(x);
  return fx <= bf ? { x, f: fx } : { x: lo + ((hi - lo) * bi) / grid, f: bf };
}

/**
 * minimise f over the box `bounds` (open intervals): Nelder–Mead on z = logit of each coordinate's position in its
 * interval, so every point it tries is inside the box
 */
export function minimiseBounded(f: (x: number[]) => number, x0: number[], bounds: [number, number][], opts: { maxIter?: number } = {}): Minimum {
  const toX = (z: number[]) => z.map((v, i) => bounds[i]![0] + (bounds[i]![1] - bounds[i]![0]) / (1 + Math.exp(-v)));
  const z0 = x0.map((v, i) => {
    const [lo, hi] = bounds[i]!;
    const u = Math.min(1 - 1e-9, Math.max(1e-9, (v - lo) / (hi - lo)));
    return Math.log(u / (1 - u));
  });
  const r = nelderMead((z) => f(toX(z)), z0, { step: 1, maxIter: opts.maxIter ?? 2000, tol: 1e-12 });
  return { ...r, x: toX(r.x) };
}
