/** The recipe schema and the log grammar the extension contributes (schemas/, syntaxes/). */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_TRAIN_OPTIONS, PRESETS } from '../../src/engine/options';

const root = join(__dirname, '..', '..');
const json = (p: string) => JSON.parse(readFileSync(join(root, p), 'utf8'));

describe('recipe schema (schemas/recipe.schema.json)', () => {
  const schema = json('schemas/recipe.schema.json');
  const props = schema.properties.options.properties as Record<string, { default?: unknown; enum?: unknown[] }>;

  it("names every training option, with the engine's default", () => {
    assert.deepEqual(Object.keys(props).sort(), Object.keys(DEFAULT_TRAIN_OPTIONS).sort());
    for (const [k, v] of Object.entries(DEFAULT_TRAIN_OPTIONS)) assert.deepEqual(props[k].default, v, k);
  });

  it('offers exactly the presets, and is the schema package.json contributes for *.seqlab.json', () => {
    assert.deepEqual(schema.properties.preset.enum, Object.keys(PRESETS));
    const pkg = json('package.json');
    assert.deepEqual(pkg.contributes.jsonValidation, [{ fileMatch: '*.seqlab.json', url: './schemas/recipe.schema.json' }]);
  });
});

describe('log grammar (syntaxes/seqlab-log.injection.tmLanguage.json)', () => {
  const g = json('syntaxes/seqlab-log.injection.tmLanguage.json');
  const rules = g.repository as Record<string, { match: string; name?: string }>;
  // TextMate grammars use Oniguruma; these patterns stay within what JavaScript RegExp also reads
  const re = (k: string) => new RegExp(rules[k].match);

  it('injects into the log language and is contributed under its scope name', () => {
    assert.equal(g.injectionSelector, 'L:text.log');
    const pkg = json('package.json');
    assert.deepEqual(pkg.contributes.grammars, [{ scopeName: g.scopeName, path: './syntaxes/seqlab-log.injection.tmLanguage.json', injectTo: ['text.log'] }]);
    for (const p of g.patterns as { include: string }[]) assert.ok(rules[p.include.slice(1)], p.include);
  });

  it('colours run names, steps, losses, speeds and bad outcomes in real log lines', () => {
    const line = '2026-11-23 04:00:00.000 [info] [it-tiny] step 120: val loss 2.3456 (3.384 bits/char) *best*';
    assert.equal(re('run').exec(line)?.[0], '[it-tiny]');
    assert.deepEqual(re('step').exec(line)?.slice(1, 3), ['step', '120']);
    assert.equal(re('loss').exec(line)?.[3], '2.3456');
    assert.equal(re('speed').exec('step 5/300 · loss 3.10 bits/char · 12.3k chars/s · ETA 0:42')?.[1], '12.3k');
    assert.equal(re('speed').exec('ETA 1:02:03')?.[4], '1:02:03');
    assert.ok(re('outcome-bad').test('[x] failed: The training worker crashed'));
    assert.ok(!re('outcome-bad').test('[x] complete after 300 steps'));
  });
});
