/** Every user-visible string has a Simplified Chinese translation: the manifest (package.nls*.json) and runtime strings (vscode.l10n.t → l10n/bundle.l10n.zh-cn.json). */
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const json = (p: string) => JSON.parse(readFileSync(join(root, p), 'utf8')) as Record<string, unknown>;
const placeholders = (s: string) =>
  [...s.matchAll(/\{(\d+)\}/g)]
    .map((m) => m[1])
    .sort()
    .join(',');

/** the first argument of every vscode.l10n.t('…') call in the extension's host code */
function runtimeStrings(): Set<string> {
  const files = [
    'src/extension.ts',
    ...readdirSync(join(root, 'src/host'), { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => `src/host/${f}`),
  ];
  const out = new Set<string>();
  for (const f of files) {
    const src = readFileSync(join(root, f), 'utf8');
    for (const m of src.matchAll(/l10n\.t\(\s*(['"`])((?:\\.|(?!\1).)*)\1/g)) out.add(m[2].replace(/\\(['"`\\])/g, '$1'));
  }
  return out;
}

describe('localization (en + zh-cn)', () => {
  it('package.nls.zh-cn.json translates every key of package.nls.json, and nothing else', () => {
    const en = json('package.nls.json'),
      zh = json('package.nls.zh-cn.json');
    assert.deepEqual(Object.keys(zh).sort(), Object.keys(en).sort());
    for (const [k, v] of Object.entries(zh)) assert.ok(typeof v === 'string' && v.length > 0, k);
  });

  it('every %key% in package.json is defined in package.nls.json', () => {
    const en = json('package.nls.json');
    const manifest = readFileSync(join(root, 'package.json'), 'utf8');
    const keys = [...manifest.matchAll(/"%([\w.-]+)%"/g)].map((m) => m[1]);
    assert.ok(keys.length > 20);
    for (const k of keys) assert.ok(k in en, `package.json uses %${k}% but package.nls.json has no such key`);
  });

  it('l10n/bundle.l10n.zh-cn.json translates every vscode.l10n.t string, keeping its {n} placeholders, and has no stale keys', () => {
    const strings = runtimeStrings();
    assert.ok(strings.size > 50, `found only ${strings.size} strings`);
    const zh = json('l10n/bundle.l10n.zh-cn.json') as Record<string, string>;
    const missing = [...strings].filter((s) => !(s in zh));
    assert.deepEqual(missing, [], 'untranslated runtime strings');
    const stale = Object.keys(zh).filter((k) => !strings.has(k));
    assert.deepEqual(stale, [], 'translations for strings the code no longer uses');
    for (const [k, v] of Object.entries(zh)) assert.equal(placeholders(v), placeholders(k), `placeholders of "${k}"`);
  });

  it('the manifest declares the l10n folder', () => {
    assert.equal(json('package.json').l10n, './l10n');
  });
});
