/** `seqlab.completion.*` settings, read fresh each time and clamped to their documented ranges. */
import * as vscode from 'vscode';
import type { CompleterOptions } from '../../worker/completion/completer';
import { DEFAULT_LANGUAGES, type LanguageMap, normalizeLanguageMap } from './languages';

export const SECTION = 'seqlab.completion';

export interface CompletionSettings extends CompleterOptions {
  enabled: boolean;
  languages: LanguageMap;
  debounceMs: number;
  trainMaxFileKB: number;
  trainMaxTotalMB: number;
  /** 'automatic': as you type; 'manual': only on the trigger command (Alt+\\) */
  trigger: 'automatic' | 'manual';
  /** more non-blank characters than this right of the cursor: no suggestion (what only closes things is allowed) */
  maxCharsRightOfCursor: number;
  /** adapt the model to each document while the user edits it (adapter.ts) */
  dynamicEvaluation: boolean;
}

const int = (v: unknown, def: number, min: number, max: number) =>
  typeof v === 'number' && Number.isFinite(v) ? Math.min(max, Math.max(min, Math.round(v))) : def;
const num = (v: unknown, def: number, min: number, max: number) => (typeof v === 'number' && Number.isFinite(v) ? Math.min(max, Math.max(min, v)) : def);

export function readSettings(scope?: vscode.ConfigurationScope): CompletionSettings {
  const c = vscode.workspace.getConfiguration(SECTION, scope);
  const stop = c.get<unknown>('stopStrings', []);
  return {
    enabled: c.get<boolean>('enabled', true) !== false,
    languages: normalizeLanguageMap(c.get<unknown>('languages', DEFAULT_LANGUAGES)),
    window: int(c.get('contextChars'), 512, 16, 8192),
    maxChars: int(c.get('maxChars'), 40, 1, 200),
    beamWidth: int(c.get('beamWidth'), 1, 1, 8),
    threshold: num(c.get('confidenceThreshold'), 0.5, 0, 1),
    stop: Array.isArray(stop) ? stop.filter((s): s is string => typeof s === 'string' && s.length > 0) : [],
    debounceMs: int(c.get('debounceMs'), 75, 0, 2000),
    trainMaxFileKB: int(c.get('trainMaxFileKB'), 512, 1, 65536),
    trainMaxTotalMB: int(c.get('trainMaxTotalMB'), 16, 1, 1024),
    multiline: c.get<boolean>('multiline', false) === true,
    maxLines: int(c.get('maxLines'), 3, 2, 20),
    trigger: c.get<string>('trigger', 'automatic') === 'manual' ? 'manual' : 'automatic',
    maxCharsRightOfCursor: int(c.get('maxCharsRightOfCursor'), 0, 0, 500),
    dynamicEvaluation: c.get<boolean>('dynamicEvaluation', false) === true,
  };
}
