/**
 * Pure helpers of the hidden-state panel's insight tools (no DOM; unit-tested in Node):
 * - the projector: fitting points to a canvas, the point under the mouse, the lasso, colour features per position;
 * - probes: user features written as a regex, a bracket depth or the column in the line;
 * - ablation and comparison: a per-character difference summed per feature ("inside quotes 0.9 bits/char,
 *   outside 0.01").
 */
import { visibleChar } from './heatmap';

// ------------------------------------------------------------------ projector geometry

export interface Fit {
  /** canvas x, y of point i */
  x: Float32Array;
  y: Float32Array;
}

/** Map (N,2) coordinates into a w × h canvas with `pad` pixels of margin, keeping the aspect ratio. */
export function fitPoints(coords: Float32Array, w: number, h: number, pad = 8): Fit {
  const N = coords.length / 2;
  let x0 = Infinity,
    x1 = -Infinity,
    y0 = Infinity,
    y1 = -Infinity;
  for (let i = 0; i < N; i++) {
    x0 = Math.min(x0, coords[2 * i]!);
    x1 = Math.max(x1, coords[2 * i]!);
    y0 = Math.min(y0, coords[2 * i + 1]!);
    y1 = Math.max(y1, coords[2 * i + 1]!);
  }
  const s = Math.min((w - 2 * pad) / (x1 - x0 || 1), (h - 2 * pad) / (y1 - y0 || 1));
  const ox = pad + (w - 2 * pad - s * (x1 - x0)) / 2,
    oy = pad + (h - 2 * pad - s * (y1 - y0)) / 2;
  const x = new Float32Array(N),
    y = new Float32Array(N);
  for (let i = 0; i < N; i++) {
    x[i] = ox + s * (coords[2 * i]! - x0);
    y[i] = h - (oy + s * (coords[2 * i + 1]! - y0)); // up is up
  }
  return { x, y };
}

/** index of the point nearest (px, py) within `radius` pixels, or -1 */
export function pointAt(fit: Fit, px: number, py: number, radius = 6): number {
  let best = -1,
    bd = radius * radius;
  for (let i = 0; i < fit.x.length; i++) {
    const d = (fit.x[i]! - px) ** 2 + (fit.y[i]! - py) ** 2;
    if (d <= bd) [best, bd] = [i, d];
  }
  return best;
}

/** even–odd rule: is (px, py) inside the polygon [x0, y0, x1, y1, …]? */
export function insidePolygon(poly: number[], px: number, py: number): boolean {
  let inside = false;
  const n = poly.length / 2;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const xi = poly[2 * i]!,
      yi = poly[2 * i + 1]!,
      xj = poly[2 * j]!,
      yj = poly[2 * j + 1]!;
    if (yi > py !== yj > py && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** indices of the points inside the lasso polygon */
export function lassoPoints(fit: Fit, poly: number[]): number[] {
  if (poly.length < 6) return [];
  const out: number[] = [];
  for (let i = 0; i < fit.x.length; i++) if (insidePolygon(poly, fit.x[i]!, fit.y[i]!)) out.push(i);
  return out;
}

/** the text around position t, the character itself in ⟦ ⟧, newlines and tabs made visible */
export function contextAround(chars: string[], t: number, before = 24, after = 12): string {
  const show = (a: number, b: number) => chars.slice(Math.max(0, a), Math.max(0, b)).map(visibleChar).join('');
  return `${show(t - before, t)}⟦${visibleChar(chars[t] ?? '')}⟧${show(t + 1, t + 1 + after)}`;
}

export const CHAR_CLASSES = ['letter', 'digit', 'space', 'newline', 'punctuation'] as const;
/** the class of a character, as an index into CHAR_CLASSES */
export function charClass(c: string): number {
  if (c === '\n') return 3;
  if (/\s/u.test(c)) return 2;
  if (/\p{L}/u.test(c)) return 0;
  if (/\p{N}/u.test(c)) return 1;
  return 4;
}

// ------------------------------------------------------------------ user features (probes)

export type ProbeKind = 'regex' | 'depth' | 'column';

/**
 * One value per character: `regex` 1 inside a match of the pattern, else 0 (the pattern is compiled with the u and
 * g flags; a bad pattern throws a SyntaxError); `depth` the depth of ( [ { before the character; `column` the
 * character's column in its line.
 */
export function userFeature(chars: string[], kind: ProbeKind, pattern = ''): Float32Array {
  const T = chars.length,
    f = new Float32Array(T);
  if (kind === 'regex') {
    if (!pattern) throw new SyntaxError('the pattern is empty');
    const re = new RegExp(pattern, 'gu');
    const text = chars.join('');
    // code point index of each UTF-16 offset
    const cpAt = new Int32Array(text.length + 1);
    for (let i = 0, cp = 0; i <= text.length; cp++) {
      cpAt[i] = cp;
      const w = i < text.length && text.codePointAt(i)! > 0xffff ? 2 : 1;
      if (w === 2) cpAt[i + 1] = cp;
      i += w;
    }
    for (let m = re.exec(text), n = 0; m && n < 1_000_000; m = re.exec(text), n++) {
      if (m[0].length === 0) {
        re.lastIndex++;
        continue;
      }
      for (let t = cpAt[m.index]!; t < cpAt[m.index + m[0].length]!; t++) f[t] = 1;
    }
    return f;
  }
  let depth = 0,
    col = 0;
  for (let t = 0; t < T; t++) {
    const c = chars[t]!;
    if (kind === 'depth') {
      f[t] = depth;
      if (c === '(' || c === '[' || c === '{') depth++;
      else if (c === ')' || c === ']' || c === '}') depth = Math.max(0, depth - 1);
    } else {
      f[t] = col;
      col = c === '\n' ? 0 : col + 1;
    }
  }
  return f;
}

/** the share of the possible gain a probe reads: 0 = no better than the baseline, 1 = perfect (R² for numbers) */
export function probeLift(r: { kind: 'binary' | 'numeric'; score: number; baseline: number }): number {
  return r.kind === 'binary' ? (r.baseline < 1 ? (r.score - r.baseline) / (1 - r.baseline) : 0) : r.score;
}

// ------------------------------------------------------------------ per-feature summaries

/** mean of `delta` (one value per prediction: delta[t] belongs to the character at t+1) where `feature` > 0.5 and where not */
export function splitByFeature(delta: Float32Array, feature: Float32Array): { inside: number; outside: number; nInside: number; nOutside: number } {
  let si = 0,
    so = 0,
    ni = 0,
    no = 0;
  for (let t = 0; t < delta.length; t++) {
    if (feature[t + 1]! > 0.5) {
      si += delta[t]!;
      ni++;
    } else {
      so += delta[t]!;
      no++;
    }
  }
  return { inside: ni ? si / ni : 0, outside: no ? so / no : 0, nInside: ni, nOutside: no };
}

/** parse "3, 17 40-42" into unit numbers (sorted, unique); throws on anything else */
export function parseUnits(s: string, H: number): number[] {
  const out = new Set<number>();
  for (const part of s.split(/[\s,]+/).filter(Boolean)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new SyntaxError(`"${part}" is not a unit number or a range like 3-7`);
    const a = Number(m[1]),
      b = Number(m[2] ?? m[1]);
    if (b < a || b >= H) throw new RangeError(`units go from 0 to ${H - 1}: "${part}"`);
    for (let u = a; u <= b; u++) out.add(u);
  }
  return [...out].sort((x, y) => x - y);
}

/** a − b, elementwise */
export function difference(a: Float32Array, b: Float32Array): Float32Array {
  const n = Math.min(a.length, b.length),
    d = new Float32Array(n);
  for (let i = 0; i < n; i++) d[i] = a[i]! - b[i]!;
  return d;
}
