/**
 * README.md documents what package.json contributes: every command (id and title) and every setting appears in it,
 * the generated tables (scripts/readme-tables.mjs) are up to date, and the sections come in the order.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const nls = JSON.parse(readFileSync(join(ROOT, 'package.nls.json'), 'utf8')) as Record<string, string>;
const t = (s: string) => s.replace(/^%(.+)%$/, (m, k: string) => nls[k] ?? m);

interface Contributes {
  commands: { command: string; title: string }[];
  configuration: { properties: Record<string, unknown> } | { properties: Record<string, unknown> }[];
}
const contributes = pkg.contributes as Contributes;
const commands = contributes.commands;
const settings = (Array.isArray(contributes.configuration) ? contributes.configuration : [contributes.configuration]).flatMap((c) => Object.keys(c.properties));

/** what package.json contributes that `text` does not mention (ids and settings in backticks, command titles) */
function missingFrom(text: string): string[] {
  const missing: string[] = [];
  for (const c of commands) {
    if (!text.includes(`\`${c.command}\``)) missing.push(c.command);
    if (!text.includes(t(c.title))) missing.push(`title of ${c.command}: ${t(c.title)}`);
  }
  for (const s of settings) if (!text.includes(`\`${s}\``)) missing.push(s);
  return missing;
}

describe('README.md', () => {
  it('package.json contributes commands and settings (the check below has something to check)', () => {
    assert.ok(commands.length >= 10, `${commands.length} commands`);
    assert.ok(settings.length >= 5, `${settings.length} settings`);
  });

  it('mentions every command (id and title) and every setting in package.json', () => {
    assert.deepEqual(missingFrom(readme), []);
  });

  it('the check fails when a command or a setting is missing', () => {
    const cmd = commands[commands.length - 1].command;
    const set = settings[settings.length - 1];
    const withoutCmd = readme.split(`\`${cmd}\``).join('');
    const withoutSet = readme.split(`\`${set}\``).join('');
    assert.ok(missingFrom(withoutCmd).includes(cmd));
    assert.ok(missingFrom(withoutSet).includes(set));
  });

  it('the generated commands and settings tables are up to date (node scripts/readme-tables.mjs)', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts/readme-tables.mjs'), '--check'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr || r.stdout);
  });

  it('has its sections in the documented order', () => {
    const h2 = [...readme.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    const want = [/install/i, /features/i, /commands and settings/i, /cli/i, /model folder.*onnx/i, /performance/i, /architecture/i, /tests/i, /contributing/i];
    let at = -1;
    for (const re of want) {
      const i = h2.findIndex((h, k) => k > at && re.test(h));
      assert.ok(i > at, `a "## ${re.source}" section after "${h2[at] ?? 'the title'}" (sections: ${h2.join(' | ')})`);
      at = i;
    }
    const firstImage = readme.indexOf('![');
    assert.ok(firstImage > 0 && firstImage < readme.indexOf('## '), 'a screenshot before the first section');
  });
});

describe('README.md architecture', () => {
  it('names every layer of eslint/layers.mjs with a row in its layer table, and every folder of src/ is a layer', async () => {
    const { ALLOW } = (await import(join(ROOT, 'eslint', 'layers.mjs'))) as { ALLOW: Record<string, { layers: string[]; packages: string[] }> };
    const rows = readme.split('\n').filter((l) => /^\| `src\//.test(l));
    for (const layer of Object.keys(ALLOW).filter((l) => l !== 'top')) {
      const row = rows.find((r) => r.startsWith(`| \`src/${layer}/\``));
      assert.ok(row, `no row for src/${layer}/ in the README's layer table`);
      for (const p of ALLOW[layer]!.packages.filter((x) => x !== 'node')) assert.ok(row.includes(`\`${p}\``), `src/${layer}/ row does not name ${p}`);
    }
    const folders = readdirSync(join(ROOT, 'src'), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
    assert.deepEqual(
      folders.filter((f) => !(f in ALLOW)),
      [],
      'folders of src/ that are not layers',
    );
    for (const f of folders) assert.match(readme, new RegExp(`^  ${f}/ `, 'm'), `the README's tree does not list src/${f}/`);
  });
});
