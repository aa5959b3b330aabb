/** Model-name sanitizing: a name is also a folder name, on every OS. Unicode letters (e.g. Chinese) are kept. */
const RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/i;

export function sanitizeModelName(raw: string): string {
  let s = raw
    .normalize('NFC')
    // eslint-disable-next-line no-control-regex -- control characters are exactly what must go
    .replace(/[\\/:*?"<>|\u0000-\u001f\u007f]+/g, '-')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^[.\s-]+|[.\s]+$/g, '');
  if (s.length > 64) s = s.slice(0, 64).replace(/[.\s]+$/g, '');
  if (!s) s = 'model';
  if (RESERVED.test(s)) s = `_${s}`;
  return s;
}

/** `base`, or `base-2`, `base-3`… — the first that `taken` says is free. */
export function uniqueName(base: string, taken: (name: string) => boolean): string {
  if (!taken(base)) return base;
  for (let i = 2; ; i++) if (!taken(`${base}-${i}`)) return `${base}-${i}`;
}
