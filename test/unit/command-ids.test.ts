/**
 * Command ids live in one module (src/host/commandIds.ts): every command package.json contributes is there, and every
 * id there is contributed, with a title; no other host file spells a command id out.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALL_COMMAND_IDS } from '../../src/host/commandIds';

const ROOT = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { contributes: { commands: { command: string; title: string }[] } };

describe('command ids (src/host/commandIds.ts)', () => {
  it('are exactly the commands package.json contributes, each once', () => {
    const contributed = pkg.contributes.commands.map((c) => c.command).sort();
    assert.deepEqual([...ALL_COMMAND_IDS].sort(), contributed);
    assert.equal(new Set(ALL_COMMAND_IDS).size, ALL_COMMAND_IDS.length, 'no id twice');
    for (const c of pkg.contributes.commands) assert.ok(c.title, `${c.command} has a title`);
  });

  it('are spelled out nowhere else in the host (they are imported from the module)', () => {
    const files = (readdirSync(join(ROOT, 'src', 'host'), { recursive: true }) as string[]).filter((f) => f.endsWith('.ts') && f !== 'commandIds.ts');
    const ids = new Set(ALL_COMMAND_IDS);
    const found: string[] = [];
    for (const f of files) {
      const code = readFileSync(join(ROOT, 'src', 'host', f), 'utf8').replace(/^\s*(\*|\/\/).*$/gm, ''); // comments may name them
      for (const m of code.matchAll(/'(seqlab\.[\w.]+)'/g)) if (ids.has(m[1]!)) found.push(`${f}: ${m[1]}`);
    }
    assert.deepEqual(found, []);
  });
});
