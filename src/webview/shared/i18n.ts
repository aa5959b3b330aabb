/** Webview strings: the host sends the localized table (vscode.l10n.t, src/host/panels/strings.ts); English is the key and the fallback. */
export function makeT(table: Record<string, string>): (key: string, ...args: (string | number)[]) => string {
  return (key, ...args) => (table[key] ?? key).replace(/\{(\d+)\}/g, (m, i: string) => (args[Number(i)] !== undefined ? String(args[Number(i)]) : m));
}
