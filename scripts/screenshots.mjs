#!/usr/bin/env node
/* global process, console */
// Every panel in the light, dark and high-contrast themes at 1280×800 and 1920×1080: the e2e journey (its checks
// included) once per theme and size, each saving its screenshots under artifacts/themes/<theme>-<size>/. The
// light-theme pictures at 1280×800 are then copied to media/screenshots/light/ for the README (beside the dark ones).
// Usage: npm run screenshots [-- --only light]
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const THEMES = { light: 'Default Light Modern', dark: 'Default Dark Modern', hc: 'Default High Contrast' };
const SIZES = ['1280x800', '1920x1080'];
const README_PICTURES = ['dashboard.png', 'generate.png', 'hidden-states-analysis.png', 'hidden-projector.png', 'hidden-probes.png'];
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
const build = spawnSync(process.execPath, [join(ROOT, 'esbuild.mjs')], { stdio: 'inherit' });
if (build.status !== 0) process.exit(1);
const failed = [];
for (const [key, theme] of Object.entries(THEMES)) {
  if (only && key !== only) continue;
  for (const size of SIZES) {
    const shots = join('artifacts', 'themes', `${key}-${size}`);
    console.log(`[screenshots] ${theme} at ${size} → ${shots}`);
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'run-e2e.mjs'), '--no-build'], {
      stdio: 'inherit',
      env: { ...process.env, SEQLAB_E2E_THEME: theme, SEQLAB_E2E_VIEWPORT: size, SEQLAB_E2E_SHOTS: shots },
    });
    if (r.status !== 0) failed.push(`${theme} ${size}`);
  }
}
const light = join(ROOT, 'artifacts', 'themes', 'light-1280x800');
if (existsSync(light)) {
  const out = join(ROOT, 'media', 'screenshots', 'light');
  mkdirSync(out, { recursive: true });
  // the pictures the README shows beside the dark ones
  for (const f of readdirSync(light).filter((n) => README_PICTURES.includes(n))) copyFileSync(join(light, f), join(out, f));
  console.log(`[screenshots] the light-theme pictures are in ${out}`);
}
if (failed.length) {
  console.error(`[screenshots] the journey failed in: ${failed.join(', ')}`);
  process.exit(1);
}
