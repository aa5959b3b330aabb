#!/usr/bin/env node
/* global process, console */
// Builds the platform-specific .vsix files with @vscode/vsce (pinned 3.9.2: runs on node 20).
//
//   node scripts/package.mjs [--target T | --all] [--out DIR] [--keep-stage] [--icon]
//     T: linux-x64 (default) | linux-arm64 | darwin-arm64 | darwin-x64 | win32-x64
//     --out DIR      where the .vsix files go (default artifacts/vsix)
//     --keep-stage   keep the staging copies (artifacts/vsix-stage/<T>)
//     --icon         re-render media/icon.png (128×128) from media/icon.svg with headless chromium, then exit
//
// How: one production build (`node esbuild.mjs --production --outdir <stage>/dist`: minified, no source maps) into a
// staging folder, so the developer's dist/ is never touched. Per target, a staging copy gets package.json (only the
// run-time dependencies), the README/CHANGELOG/LICENSE, l10n, schemas, syntaxes, media, the production dist/, and the
// run-time node_modules closure of onnxruntime-node holding only that target's onnxruntime binaries.
// A per-target variant of .vscodeignore (the PLATFORM block rewritten, plus onnxruntime-node's install-time-only
// dependencies) is written beside it, and `vsce package --target T` runs there. Each .vsix is then checked: no source,
// tests, source maps or other platforms' binaries; the linux-x64 one must be under 30 MB. Prints each file's size.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const MAX_LINUX_X64_MB = 30;

// target → onnxruntime-node's binary folder (bin/napi-v6/<os>/<arch>)
export const TARGETS = {
  'linux-x64': 'linux/x64',
  'linux-arm64': 'linux/arm64',
  'darwin-arm64': 'darwin/arm64',
  'darwin-x64': 'darwin/x64',
  'win32-x64': 'win32/x64',
};
const ORT = join(ROOT, 'node_modules/onnxruntime-node');
const ORT_BIN = join(ORT, 'bin/napi-v6');
/** every os/arch folder onnxruntime-node ships, e.g. ['darwin/arm64', 'linux/arm64', 'linux/x64', …] */
const shippedBinaries = () => readdirSync(ORT_BIN).flatMap((os) => readdirSync(join(ORT_BIN, os)).map((arch) => `${os}/${arch}`));
// loaded at run time (onnxruntime-node's own adm-zip / global-agent are only for its install script)
// protobufjs (+ long) are bundled (dist/protobuf-light.js): only onnxruntime's native package ships as node_modules
const RUNTIME_PACKAGES = ['onnxruntime-node', 'onnxruntime-common'];

if (args.includes('--icon')) {
  const html = join(ROOT, 'artifacts/icon.html');
  mkdirSync(dirname(html), { recursive: true });
  writeFileSync(
    html,
    `<!doctype html><style>html,body{margin:0;background:transparent;overflow:hidden}</style>${readFileSync(join(ROOT, 'media/icon.svg'), 'utf8')}`,
  );
  const r = spawnSync(
    process.env.CHROMIUM ?? '/usr/bin/chromium',
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--hide-scrollbars',
      '--default-background-color=00000000',
      '--window-size=128,128',
      `--screenshot=${join(ROOT, 'media/icon.png')}`,
      `file://${html}`,
    ],
    { stdio: 'inherit' },
  );
  process.exit(r.status ?? 1);
}

const targets = args.includes('--all') ? Object.keys(TARGETS) : [opt('--target', 'linux-x64')];
for (const t of targets)
  if (!TARGETS[t]) {
    console.error(`unknown target ${t}; one of ${Object.keys(TARGETS).join(', ')}`);
    process.exit(2);
  }
const outDir = resolve(ROOT, opt('--out', 'artifacts/vsix'));
const stageRoot = join(ROOT, 'artifacts/vsix-stage');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const run = (cmd, argv, cwd) => {
  const r = spawnSync(cmd, argv, { cwd, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed (${r.status})`);
};

/** the node_modules closure of the run-time packages: package dir (relative to ROOT) for each */
function runtimeClosure() {
  const seen = new Set();
  const visit = (name, fromDir) => {
    // node resolution: nearest node_modules upwards from the requiring package
    for (let d = fromDir; ; d = dirname(d)) {
      const cand = join(d, 'node_modules', name);
      if (existsSync(join(cand, 'package.json'))) {
        const rel = relative(ROOT, cand);
        if (seen.has(rel)) return;
        seen.add(rel);
        const p = JSON.parse(readFileSync(join(cand, 'package.json'), 'utf8'));
        for (const dep of Object.keys(p.dependencies ?? {})) visit(dep, cand);
        return;
      }
      if (d === ROOT || d === dirname(d)) throw new Error(`run-time dependency ${name} not found from ${fromDir}`);
    }
  };
  for (const name of Object.keys(pkg.dependencies).filter((n) => RUNTIME_PACKAGES.includes(n))) visit(name, ROOT);
  return [...seen].sort();
}

function vscodeignoreFor(target, closure) {
  const base = readFileSync(join(ROOT, '.vscodeignore'), 'utf8');
  const keep = TARGETS[target];
  const drop = shippedBinaries()
    .filter((b) => b !== keep)
    .map((b) => `node_modules/onnxruntime-node/bin/napi-v6/${b}/**`);
  const installOnly = closure.filter((d) => !RUNTIME_PACKAGES.some((n) => d === `node_modules/${n}`)).map((d) => `${d}/**`);
  const block = [
    `# >>> PLATFORM (${target}: keeps bin/napi-v6/${keep})`,
    ...drop,
    '# onnxruntime-node install-time-only dependencies',
    ...installOnly,
    '# <<< PLATFORM',
  ].join('\n');
  const out = base.replace(/# >>> PLATFORM[\s\S]*?# <<< PLATFORM/, block);
  if (out === base) throw new Error('.vscodeignore has no PLATFORM block');
  return out;
}

function stage(target, prodDist, closure) {
  const dir = join(stageRoot, target);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const staged = { ...pkg, dependencies: Object.fromEntries(Object.entries(pkg.dependencies).filter(([n]) => RUNTIME_PACKAGES.includes(n))) };
  delete staged.devDependencies;
  delete staged.scripts;
  writeFileSync(join(dir, 'package.json'), JSON.stringify(staged, null, 2) + '\n');
  for (const f of readdirSync(ROOT)) {
    if (/^(README\.md|CHANGELOG\.md|LICENSE|package\.nls(\..+)?\.json)$/.test(f)) cpSync(join(ROOT, f), join(dir, f));
  }
  for (const d of ['l10n', 'schemas', 'syntaxes', 'media']) if (existsSync(join(ROOT, d))) cpSync(join(ROOT, d), join(dir, d), { recursive: true });
  cpSync(prodDist, join(dir, 'dist'), { recursive: true });
  const keepBin = TARGETS[target];
  for (const d of closure) {
    cpSync(join(ROOT, d), join(dir, d), {
      recursive: true,
      filter: (src) => {
        const r = relative(ORT_BIN, src);
        if (r.startsWith('..') || r === '') return true; // outside onnxruntime's binaries
        const parts = r.split(/[\\/]/);
        return parts.length < 2 ? keepBin.startsWith(`${parts[0]}/`) : `${parts[0]}/${parts[1]}` === keepBin;
      },
    });
  }
  writeFileSync(join(dir, '.vscodeignore'), vscodeignoreFor(target, closure));
  return dir;
}

/** file list of a .vsix (a zip) */
function listVsix(file) {
  const r = spawnSync('unzip', ['-Z1', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`unzip -Z1 ${file} failed`);
  return r.stdout.split('\n').filter(Boolean);
}

export function checkVsix(file, target) {
  const files = listVsix(file);
  const problems = [];
  const bad = files.filter((f) => /^extension\/(src|test|bench|scripts|out|artifacts)\//.test(f) || /\.map$/.test(f) || /^extension\/dist\/bench\//.test(f));
  if (bad.length) problems.push(`files that must not ship: ${bad.slice(0, 8).join(', ')}${bad.length > 8 ? ' …' : ''}`);
  const bins = [...new Set(files.map((f) => /^extension\/node_modules\/onnxruntime-node\/bin\/napi-v6\/([^/]+\/[^/]+)\//.exec(f)?.[1]).filter(Boolean))];
  if (bins.length !== 1 || bins[0] !== TARGETS[target]) problems.push(`onnxruntime binaries for ${bins.join(', ') || 'nothing'}; want only ${TARGETS[target]}`);
  for (const f of [
    'extension/dist/extension.js',
    'extension/dist/worker.js',
    'extension/dist/infer-worker.js',
    'extension/dist/cli.js',
    'extension/dist/pytorch/train.py',
    `extension/node_modules/onnxruntime-node/bin/napi-v6/${TARGETS[target]}/onnxruntime_binding.node`,
    'extension/node_modules/onnxruntime-common/package.json',
    'extension/dist/protobuf-light.js',
    'extension/media/icon.png',
    'extension/media/screenshots/dashboard.png',
    'extension/package.json',
    'extension/readme.md',
  ]) {
    if (!files.includes(f)) problems.push(`missing ${f}`);
  }
  // the production bundle: minified, no source-map references
  for (const f of ['extension/dist/extension.js', 'extension/dist/worker.js', 'extension/dist/cli.js']) {
    const r = spawnSync('unzip', ['-p', file, f], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const js = r.stdout ?? '';
    const lines = js.split('\n').length;
    if (/sourceMappingURL/.test(js)) problems.push(`${f} refers to a source map`);
    if (js.length > 0 && js.length / lines < 500) problems.push(`${f} does not look minified (${lines} lines for ${js.length} bytes)`);
  }
  return { files, problems };
}

async function main() {
  const missing = targets.filter((t) => !shippedBinaries().includes(TARGETS[t]));
  for (const t of missing) {
    console.error(
      `[package] ${t}: onnxruntime-node ${JSON.parse(readFileSync(join(ORT, 'package.json'), 'utf8')).version} ships no ${TARGETS[t]} binary (bin/napi-v6/${TARGETS[t]}); skipping it`,
    );
  }
  const todo = targets.filter((t) => !missing.includes(t));
  if (!todo.length) process.exit(1);
  mkdirSync(outDir, { recursive: true });
  const prodDist = join(stageRoot, '_dist');
  rmSync(prodDist, { recursive: true, force: true });
  const t0 = Date.now();
  run(process.execPath, ['esbuild.mjs', '--production', '--outdir', prodDist], ROOT);
  console.log(`[package] production build in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const closure = runtimeClosure();
  const vsce = join(ROOT, 'node_modules/@vscode/vsce/vsce');
  let failed = false;
  for (const target of todo) {
    const dir = stage(target, prodDist, closure);
    const file = join(outDir, `${pkg.name}-${target}-${pkg.version}.vsix`);
    rmSync(file, { force: true });
    const t1 = Date.now();
    // the README's pictures ship in the .vsix (media/screenshots) and its links stay relative, so the extension's
    // details page shows them from the installed copy instead of a repository URL
    run(process.execPath, [vsce, 'package', '--target', target, '--no-rewrite-relative-links', '--out', file], dir);
    const { files, problems } = checkVsix(file, target);
    const mb = statSync(file).size / 1024 / 1024;
    if (target === 'linux-x64' && mb >= MAX_LINUX_X64_MB) problems.push(`${mb.toFixed(1)} MB: over the ${MAX_LINUX_X64_MB} MB budget`);
    console.log(
      `[package] ${relative(ROOT, file)}: ${mb.toFixed(2)} MB, ${files.length} files, ${((Date.now() - t1) / 1000).toFixed(1)} s${problems.length ? '' : ' — OK'}`,
    );
    for (const p of problems) {
      console.error(`[package] ${target}: ${p}`);
      failed = true;
    }
    if (!args.includes('--keep-stage')) rmSync(dir, { recursive: true, force: true });
  }
  if (!args.includes('--keep-stage')) rmSync(prodDist, { recursive: true, force: true });
  if (failed || (missing.length && !args.includes('--all'))) process.exit(1);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e?.stack ?? e);
    process.exit(1);
  });
}
