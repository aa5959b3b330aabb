// One entry per runtime: extension host, training worker, CLI (and, later, one per webview).
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
// --outdir DIR: write the bundles elsewhere (scripts/package.mjs builds the .vsix's production bundle into a staging copy)
const oi = process.argv.indexOf('--outdir');
const OUT = oi > 0 ? process.argv[oi + 1] : 'dist';
// WASM SIMD kernels: generate the WAT, assemble it with wabt (no network) into src/engine/wasm/kernels-bytes.ts,
// which the bundles embed as bytes.
await (await import('./scripts/build-wasm.mjs')).buildWasm();
// Native AVX2/FMA kernels (Node-API addon, system C compiler, no network) into OUT/native; skipped with a warning
// where it cannot be built: training then uses the WASM kernels.
(await import('./scripts/build-native.mjs')).buildNative(OUT);

const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: production ? false : 'linked',
  minify: production,
  external: ['vscode', 'onnxruntime-node'],
  logLevel: 'warning',
};

/** @type {import('esbuild').BuildOptions[]} */
const builds = [
  { ...node, entryPoints: { cli: 'src/cli.ts' }, outdir: OUT, banner: { js: '#!/usr/bin/env node' } },
  { ...node, entryPoints: { worker: 'src/worker/main.ts' }, outdir: OUT },
  { ...node, entryPoints: { 'bench/train': 'bench/train.ts' }, outdir: OUT },
  { ...node, entryPoints: { 'bench/infer': 'bench/infer.ts' }, outdir: OUT },
  { ...node, entryPoints: { 'bench/complete': 'bench/complete.ts' }, outdir: OUT },
  { ...node, entryPoints: { 'bench/dynamic': 'bench/dynamic.ts' }, outdir: OUT },
  { ...node, entryPoints: { 'bench/forecast': 'bench/forecast.ts' }, outdir: OUT },
];
// inference worker (generation + hidden states for the webview panels)
builds.push({ ...node, entryPoints: { 'infer-worker': 'src/worker/infer.ts' }, outdir: OUT });
// webviews: one browser bundle (+ CSS) per panel
const webview = {
  bundle: true,
  platform: 'browser',
  format: 'iife',
  target: 'chrome114',
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
};
for (const p of ['dashboard', 'generate', 'hidden', 'forecast'])
  builds.push({ ...webview, entryPoints: { [p]: `src/webview/${p}/main.ts` }, outdir: `${OUT}/webview` });
builds.push({ ...node, entryPoints: { 'bench/heatmap': 'bench/heatmap.ts' }, outdir: OUT });
builds.push({ ...node, entryPoints: { 'bench/hidden': 'bench/hidden.ts' }, outdir: OUT });
// the banner stamps when the bundle starts loading, so activate() can report code-loading time too: wall time, the
// process's CPU time, and (Linux) this thread's own CPU time from /proc/thread-self/schedstat, which other threads of the
// extension host (GC helpers, other extensions' workers) do not inflate.
// protobufjs (+ long) for the extension: bundled on their own into OUT/protobuf-light.js, which extension.js requires
// only when an ONNX command first needs it (compiling ~220 KB of them at every activation would double the code-loading
// time). So the .vsix ships no node_modules but onnxruntime-node's.
builds.push({ ...node, entryPoints: { 'protobuf-light': 'node_modules/protobufjs/light.js' }, outdir: OUT });
const protobufBeside = {
  name: 'protobuf-beside',
  setup(b) {
    b.onResolve({ filter: /^protobufjs\/light$/ }, () => ({ path: './protobuf-light.js', external: true }));
  },
};
if (existsSync('src/extension.ts'))
  builds.push({
    ...node,
    entryPoints: { extension: 'src/extension.ts' },
    outdir: OUT,
    plugins: [protobufBeside],
    banner: {
      js: '"use strict"; var __seqlabLoadStart = performance.now(), __seqlabLoadCpu = process.cpuUsage(), __seqlabLoadThreadNs = (() => { try { return Number(require("fs").readFileSync("/proc/thread-self/schedstat", "utf8").split(" ")[0]); } catch { return undefined; } })();',
    },
  });
// integration tests: run inside the VS Code extension host (scripts/run-integration.mjs); mocha stays external
if (OUT === 'dist' && existsSync('test/integration/index.ts')) {
  rmSync('out/integration', { recursive: true, force: true }); // no stale suites from renamed or deleted files
  const its = readdirSync('test/integration', { recursive: true })
    .map(String)
    .filter((f) => f === 'index.ts' || f.endsWith('.test.ts'))
    .map((f) => `test/integration/${f}`);
  builds.push({ ...node, entryPoints: its, outbase: 'test/integration', outdir: 'out/integration', external: [...node.external, 'mocha'] });
}

// the PyTorch training script template (seqlab export-pytorch) ships as a plain file beside the bundles
mkdirSync(`${OUT}/pytorch`, { recursive: true });
copyFileSync('src/worker/pytorch/train.py', `${OUT}/pytorch/train.py`);

const entries = builds.filter((b) => Object.values(b.entryPoints).every((p) => existsSync(p)));
if (watch) {
  for (const b of entries) await (await esbuild.context(b)).watch();
  console.log('[esbuild] watching');
} else {
  await Promise.all(entries.map((b) => esbuild.build(b)));
}
