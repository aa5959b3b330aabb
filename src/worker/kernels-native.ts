/**
 * Loading the native kernels: dist/native/seqlab-kernels.node (built from native/seqlab_kernels.c by
 * scripts/build-native.mjs) is found and opened here, and handed to the engine's NativeKernels
 * (engine/kernels-native.ts). `loadNativeKernels()` returns null, with the reason in `nativeLoadError`, when the file
 * is missing, the CPU has no AVX2/FMA, or the platform has no build.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { type NativeAddon, NativeKernels } from '../engine/kernels-native';

export const NATIVE_FILE = 'seqlab-kernels.node';

export let nativeLoadError = '';

/** Where the addon may be: SEQLAB_NATIVE_KERNELS, beside the bundle (dist/native), or the repo's dist/ (tsx, tests). */
export function nativeCandidates(): string[] {
  const env = process.env.SEQLAB_NATIVE_KERNELS;
  return [
    ...(env ? [env] : []),
    path.join(__dirname, 'native', NATIVE_FILE), // dist/worker.js, dist/cli.js
    path.join(__dirname, '..', 'native', NATIVE_FILE), // dist/bench/*.js
    path.join(__dirname, '..', '..', 'dist', 'native', NATIVE_FILE), // src/worker/*.ts under tsx
  ];
}

let addon: NativeAddon | null | undefined;

function loadAddon(): NativeAddon | null {
  if (addon !== undefined) return addon;
  const file = nativeCandidates().find((f) => existsSync(f));
  if (!file) {
    nativeLoadError =
      process.platform === 'linux' && process.arch === 'x64'
        ? `${NATIVE_FILE} not found (run npm run build; it needs a C compiler)`
        : `no native build for ${process.platform}-${process.arch}`;
    return (addon = null);
  }
  try {
    const m = { exports: {} as NativeAddon };
    process.dlopen(m, file);
    return (addon = m.exports);
  } catch (e) {
    nativeLoadError = `${path.basename(file)}: ${e instanceof Error ? e.message : String(e)}`;
    return (addon = null);
  }
}

/** The native backend, or null (reason in `nativeLoadError`). */
export function loadNativeKernels(): NativeKernels | null {
  const a = loadAddon();
  return a ? new NativeKernels(a) : null;
}
