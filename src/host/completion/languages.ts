/**
 * Per-language enablement (`seqlab.completion.languages`): a map from VS Code language ids to on/off, with `"*"`
 * for every language not listed. VS Code replaces an object setting as a whole, so a user who writes
 * `{ "markdown": false }` loses the default `{ "*": true }`: a missing `"*"` therefore still means on, and listing
 * one language never silently turns the others off. Pure: no vscode import.
 */
export type LanguageMap = Record<string, boolean>;

export const DEFAULT_LANGUAGES: LanguageMap = { '*': true };

/** Whether completions are on for `languageId` under `map` (exact id first, then "*", then on). */
export function isLanguageEnabled(map: unknown, languageId: string): boolean {
  const m = normalizeLanguageMap(map);
  if (Object.prototype.hasOwnProperty.call(m, languageId)) return m[languageId]!;
  if (Object.prototype.hasOwnProperty.call(m, '*')) return m['*']!;
  return true;
}

/** Keeps only boolean entries with a non-empty key; anything else (a bad setting) is ignored, not fatal. */
export function normalizeLanguageMap(map: unknown): LanguageMap {
  const out: LanguageMap = {};
  if (!map || typeof map !== 'object' || Array.isArray(map)) return { ...DEFAULT_LANGUAGES };
  for (const [k, v] of Object.entries(map as Record<string, unknown>)) {
    const key = k.trim();
    if (key && typeof v === 'boolean') out[key] = v;
  }
  return out;
}

/** The map after switching one language on or off (the rest of the map is kept as is). */
export function withLanguage(map: unknown, languageId: string, on: boolean): LanguageMap {
  return { ...normalizeLanguageMap(map), [languageId]: on };
}
