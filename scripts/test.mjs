#!/usr/bin/env node
/* global process, console */
// `npm test`: every check and every suite, one after another, and one closing line that counts them all:
//   tests: N passed, M failed
// A mocha suite (unit + parity; the integration passes inside VS Code) counts its tests; every other stage (type check,
// lint, build, each end-to-end script, the .vsix check) counts as one test that passed or failed. A failed stage does
// not stop the later ones (except the build, which they all need), so one run shows every failure.
//
// Before the run: old failure screenshots and the journey's stale step screenshots are removed, so what is left in
// artifacts/ after a run is from that run. After the run: temp folders the suites left in the system temp folder
// (named seqlab-*) are listed as a failed check and removed.
//
// Usage: node scripts/test.mjs [--only name,name]   (names: typecheck lint format size build unit integration e2e autocomplete vsix)
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..');
const npmRun = (script) => ['npm', ['run', '-s', script]];
const STAGES = [
  { name: 'typecheck', cmd: npmRun('typecheck') },
  { name: 'lint', cmd: npmRun('lint') },
  { name: 'format', cmd: npmRun('format:check') },
  { name: 'size', cmd: ['node', ['scripts/check-size.mjs']] },
  { name: 'build', cmd: npmRun('build'), required: true },
  { name: 'unit', cmd: npmRun('test:unit'), mocha: true },
  { name: 'integration', cmd: npmRun('test:integration'), mocha: true },
  { name: 'e2e', cmd: npmRun('test:e2e') },
  { name: 'autocomplete', cmd: npmRun('test:e2e:autocomplete') },
  { name: 'vsix', cmd: npmRun('test:vsix') },
];

const only = (() => {
  const i = process.argv.indexOf('--only');
  return i > 0 ? new Set(process.argv[i + 1].split(',')) : null;
})();

function clearOldArtifacts() {
  const shots = join(ROOT, 'artifacts', 'screenshots');
  if (existsSync(shots)) {
    for (const f of readdirSync(shots)) if (/-failure\.png$|-timeout\.png$/.test(f)) rmSync(join(shots, f), { force: true });
    rmSync(join(shots, 'journey'), { recursive: true, force: true });
  }
  const art = join(ROOT, 'artifacts');
  if (existsSync(art)) for (const f of readdirSync(art)) if (/^integration-.*-timeout\.png$/.test(f)) rmSync(join(art, f), { force: true });
}

const tempFolders = () => new Set(readdirSync(tmpdir()).filter((f) => f.startsWith('seqlab')));

/** runs one stage with its output streamed through; resolves with its exit code and the mocha counts it printed */
function runStage(stage) {
  return new Promise((resolve) => {
    const [cmd, args] = stage.cmd;
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let passing = 0,
      failing = 0,
      buf = '';
    const scan = (chunk, out) => {
      out.write(chunk);
      buf += chunk.toString('utf8');
      const lines = buf.split('\n');
      buf = lines.pop();
      for (const l of lines) {
        const p = /^\s+(\d+) passing/.exec(l);
        if (p) passing += Number(p[1]);
        const f = /^\s+(\d+) failing/.exec(l);
        if (f) failing += Number(f[1]);
      }
    };
    child.stdout.on('data', (c) => scan(c, process.stdout));
    child.stderr.on('data', (c) => scan(c, process.stderr));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), passing, failing }));
  });
}

clearOldArtifacts();
const tempBefore = tempFolders();
let passed = 0,
  failed = 0;
const summary = [];
for (const stage of STAGES) {
  if (only && !only.has(stage.name)) continue;
  const t0 = Date.now();
  console.log(`\n=== ${stage.name}`);
  const r = await runStage(stage);
  const s = ((Date.now() - t0) / 1000).toFixed(0);
  if (stage.mocha) {
    // a suite that exits non-zero without a failing test (it crashed, or ran nothing) is one more failure
    const extra = r.code !== 0 && r.failing === 0 ? 1 : 0;
    if (r.passing === 0 && r.code === 0) {
      failed++;
      summary.push(`${stage.name}: ran no test (${s} s)`);
      continue;
    }
    passed += r.passing;
    failed += r.failing + extra;
    summary.push(`${stage.name}: ${r.passing} passed, ${r.failing + extra} failed (${s} s)`);
  } else {
    if (r.code === 0) passed++;
    else failed++;
    summary.push(`${stage.name}: ${r.code === 0 ? 'passed' : `FAILED (exit ${r.code})`} (${s} s)`);
  }
  if (stage.required && r.code !== 0) {
    summary.push('the build failed: the later stages need it and did not run');
    break;
  }
}
const left = [...tempFolders()].filter((f) => !tempBefore.has(f));
if (left.length) {
  failed++;
  summary.push(`temp folders left behind by the tests (removed now): ${left.join(', ')}`);
  for (const f of left) rmSync(join(tmpdir(), f), { recursive: true, force: true });
}
console.log(`\n${summary.join('\n')}`);
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
