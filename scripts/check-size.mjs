#!/usr/bin/env node
/* global process, console */
// The size rule of the house (DEVELOPERS.md): no TypeScript file in src/ over 450 lines, no function over 80 lines
// (the generated WASM bytes file is exempt). Prints what breaks it, longest first; exits 1 when anything does.
// Usage: node scripts/check-size.mjs [--max-file 450] [--max-fn 80]
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..');
const arg = (k, d) => {
  const i = process.argv.indexOf(`--${k}`);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const MAX_FILE = arg('max-file', 450),
  MAX_FN = arg('max-fn', 80);
const EXEMPT = new Set(['src/engine/wasm/kernels-bytes.ts']);
const files = readdirSync(join(ROOT, 'src'), { recursive: true })
  .map(String)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
  .map((f) => join(ROOT, 'src', f));
const long = [],
  big = [];
for (const f of files) {
  const rel = relative(ROOT, f).split('\\').join('/');
  if (EXEMPT.has(rel)) continue;
  const text = readFileSync(f, 'utf8');
  const lines = text.split('\n').length;
  if (lines > MAX_FILE) big.push([lines, rel]);
  const sf = ts.createSourceFile(f, text, ts.ScriptTarget.ES2022, true);
  const visit = (n) => {
    if (ts.isFunctionLike(n) && n.body) {
      const a = sf.getLineAndCharacterOfPosition(n.getStart()).line,
        b = sf.getLineAndCharacterOfPosition(n.end).line;
      const name = n.name?.getText(sf) ?? (ts.isVariableDeclaration(n.parent) ? n.parent.name.getText(sf) : '(anonymous)');
      if (b - a + 1 > MAX_FN) long.push([b - a + 1, `${rel}:${a + 1} ${name}`]);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
}
for (const [n, what] of big.sort((x, y) => y[0] - x[0])) console.log(`file ${n} lines: ${what}`);
for (const [n, what] of long.sort((x, y) => y[0] - x[0])) console.log(`function ${n} lines: ${what}`);
console.log(`${big.length} files over ${MAX_FILE} lines, ${long.length} functions over ${MAX_FN} lines`);
process.exit(big.length + long.length ? 1 : 0);
