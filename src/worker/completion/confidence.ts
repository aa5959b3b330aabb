/**
 * Quiet when unsure: a suggestion is kept only as far as the model is confident in it. Confidence of a prefix is
 * the geometric mean of its characters' probabilities, exp(mean log p). The longest prefix whose confidence is at
 * least the threshold is shown; if even the first character is below it, nothing is shown. Pure.
 */
export interface Scored {
  text: string;
  confidence: number;
}

/**
 * `chars[i]` is the i-th suggested character (one code point each) and `logProbs[i]` its natural-log probability.
 * Returns the kept suggestion, or null when no non-blank prefix reaches `threshold` (0..1).
 */
export function applyConfidence(chars: readonly string[], logProbs: readonly number[], threshold: number): Scored | null {
  if (chars.length !== logProbs.length) throw new Error('applyConfidence: one log-probability per character');
  const t = Math.min(1, Math.max(0, threshold));
  const logT = t <= 0 ? -Infinity : Math.log(t);
  let sum = 0;
  let best = -1;
  let bestConf = 0;
  for (let i = 0; i < chars.length; i++) {
    sum += logProbs[i]!;
    const mean = sum / (i + 1);
    if (mean >= logT) {
      best = i;
      bestConf = Math.exp(mean);
    }
  }
  if (best < 0) return null;
  const text = chars.slice(0, best + 1).join('');
  if (text.trim().length === 0) return null;
  return { text, confidence: bestConf };
}

/** The confidence of a whole hypothesis of `length` characters with total log-probability `logProb`. */
export function meanConfidence(logProb: number, length: number): number {
  return length > 0 ? Math.exp(logProb / length) : 0;
}

/**
 * When a suggestion was cut by the length limit (not by a newline or stop string), drop a trailing partial word,
 * so the ghost text ends on a boundary. Keeps everything when the suggestion is a single word.
 */
export function trimPartialWord(text: string): string {
  const m = /^(.*[^\p{L}\p{N}_])[\p{L}\p{N}_]+$/su.exec(text);
  if (!m) return text;
  const kept = m[1]!;
  return kept.trim().length > 0 ? kept.replace(/\s+$/u, '') : text;
}

/** The first word of a text (letters, digits, `_`), or the first non-space character when it starts with a symbol. */
export function firstWord(text: string): string {
  const s = text.replace(/^\s+/u, '');
  const lead = text.slice(0, text.length - s.length);
  const m = /^[\p{L}\p{N}_]+/u.exec(s);
  return lead + (m ? m[0] : [...s].slice(0, 1).join(''));
}
