#!/usr/bin/env node
/* global process, console */
// Rewrites the commands and settings tables in README.md from package.json's contributes (titles and descriptions
// from package.nls.json), between the markers
//   <!-- BEGIN GENERATED: commands (scripts/readme-tables.mjs) -->  …  <!-- END GENERATED: commands -->
//   <!-- BEGIN GENERATED: settings (scripts/readme-tables.mjs) -->  …  <!-- END GENERATED: settings -->
// Everything else in README.md is left as it is.
//
// Usage: node scripts/readme-tables.mjs [--check]   (--check: exit 1 when README.md is out of date, write nothing)
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export function tables(root = ROOT) {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const nls = JSON.parse(readFileSync(join(root, 'package.nls.json'), 'utf8'));
  const t = (s) => (typeof s === 'string' ? s.replace(/^%(.+)%$/, (m, k) => nls[k] ?? m) : s);
  const cell = (s) =>
    String(s ?? '')
      .replace(/\s*\n\s*/g, ' ')
      .replace(/\|/g, '\\|')
      .trim();
  const c = pkg.contributes;
  const hidden = new Set((c.menus?.commandPalette ?? []).filter((m) => m.when === 'false').map((m) => m.command));
  const when = new Map((c.menus?.commandPalette ?? []).filter((m) => m.when !== 'false').map((m) => [m.command, m.when]));
  const cmds = ['| Command | ID | In the palette |', '| --- | --- | --- |'];
  for (const cmd of c.commands) {
    const title = `${t(cmd.category) ? `${t(cmd.category)}: ` : ''}${t(cmd.title)}`;
    const where = hidden.has(cmd.command) ? 'no (menus, status bar or internal)' : when.has(cmd.command) ? `when \`${cell(when.get(cmd.command))}\`` : 'always';
    cmds.push(`| ${cell(title)} | \`${cmd.command}\` | ${where} |`);
  }
  const sections = Array.isArray(c.configuration) ? c.configuration : [c.configuration];
  const props = sections.flatMap((s) => Object.entries(s.properties ?? {}));
  props.sort(([, a], [, b]) => (a.order ?? 1e9) - (b.order ?? 1e9));
  const sets = ['| Setting | Type | Default | Description |', '| --- | --- | --- | --- |'];
  for (const [key, p] of props) {
    const type = p.enum ? p.enum.map((v) => `\`${v}\``).join(' \\| ') : Array.isArray(p.type) ? p.type.join(' \\| ') : (p.type ?? '');
    const dflt = p.default === undefined ? '' : `\`${cell(JSON.stringify(p.default))}\``;
    sets.push(`| \`${key}\` | ${type} | ${dflt} | ${cell(t(p.markdownDescription ?? p.description ?? ''))} |`);
  }
  return { commands: cmds.join('\n'), settings: sets.join('\n'), ids: c.commands.map((x) => x.command), keys: props.map(([k]) => k) };
}

export function render(readme, root = ROOT) {
  const tb = tables(root);
  let out = readme;
  for (const name of ['commands', 'settings']) {
    const re = new RegExp(`(<!-- BEGIN GENERATED: ${name} [^>]*-->\\n)[\\s\\S]*?(<!-- END GENERATED: ${name} -->)`);
    if (!re.test(out)) throw new Error(`README.md has no "<!-- BEGIN GENERATED: ${name} … -->" … "<!-- END GENERATED: ${name} -->" region`);
    out = out.replace(re, (m, a, b) => `${a}${tb[name]}\n${b}`);
  }
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = join(ROOT, 'README.md');
  const before = readFileSync(file, 'utf8');
  const after = render(before);
  if (process.argv.includes('--check')) {
    if (after !== before) {
      console.error('README.md: the commands/settings tables are out of date; run node scripts/readme-tables.mjs');
      process.exit(1);
    }
    console.log('README.md tables are up to date');
  } else if (after !== before) {
    writeFileSync(file, after);
    console.log('README.md: tables rewritten');
  } else console.log('README.md: tables already up to date');
}
