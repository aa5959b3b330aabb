/**
 * When autocomplete stays quiet, and what it never repeats: the rules of Copilot, Tabby and llama.vscode, as pure
 * functions of what the editor knows (no vscode import: unit-tested in Node, used by the provider).
 */

/** Why no suggestion is asked for at a position, or null when one may be. */
export type QuietReason = 'scheme' | 'suggest-widget' | 'selection' | 'text-right' | 'manual';

export interface QuietInput {
  /** the document's URI scheme: only files and untitled documents get suggestions */
  scheme: string;
  /** the suggest widget is open (its item is what the user is looking at) */
  suggestWidget: boolean;
  /** text is selected in the editor */
  selection: boolean;
  /** the line's text after the cursor */
  restOfLine: string;
  /** `seqlab.completion.maxCharsRightOfCursor`: more non-blank characters than this after the cursor, no suggestion */
  maxRight: number;
  /** `seqlab.completion.trigger`: 'manual' answers only the trigger command */
  trigger: 'automatic' | 'manual';
  /** this request came from the trigger command (or VS Code's own trigger), not from typing */
  explicit: boolean;
}

const CLOSERS = /^[\s)\]}>'"`;,.]*$/u;

export function quietReason(q: QuietInput): QuietReason | null {
  if (q.scheme !== 'file' && q.scheme !== 'untitled') return 'scheme';
  if (q.trigger === 'manual' && !q.explicit) return 'manual';
  if (q.suggestWidget) return 'suggest-widget';
  if (q.selection) return 'selection';
  // what only closes things (`)`, `;`, quotes) may follow the cursor; other text only up to maxRight characters
  if (!CLOSERS.test(q.restOfLine) && q.restOfLine.trim().length > q.maxRight) return 'text-right';
  return null;
}

/**
 * The suggestion without the text that already follows the cursor: the longest end of `suggestion` that is the start
 * of `restOfLine` (e.g. `foo)` before `)` becomes `foo`). Null when nothing new is left.
 */
export function withoutRepeat(suggestion: string, restOfLine: string): string | null {
  const rest = restOfLine.replace(/\s+$/u, '');
  let keep = suggestion;
  for (let k = Math.min(rest.length, suggestion.length); k > 0; k--) {
    if (suggestion.endsWith(rest.slice(0, k))) {
      keep = suggestion.slice(0, suggestion.length - k);
      break;
    }
  }
  return keep.trim().length ? keep : null;
}
