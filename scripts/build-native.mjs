// Build step (run by esbuild.mjs, and by hand: `node scripts/build-native.mjs [--outdir DIR]`): compile the native
// kernels (native/seqlab_kernels.c, AVX2/FMA, Node-API) with the system C compiler into DIR/native/seqlab-kernels.node
// (default dist/). No download: the Node-API headers come from the node-api-headers package or the system's Node.
// Without a C compiler (or on a CPU/OS it does not target) it prints one warning and builds nothing: training then
// uses the WebAssembly kernels, which is slower but the same math.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import process from 'node:process';
import console from 'node:console';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(root, 'native', 'seqlab_kernels.c');
export const NATIVE_FILE = 'seqlab-kernels.node';

function headers() {
  try {
    const dir = createRequire(import.meta.url)('node-api-headers').include_dir;
    if (existsSync(join(dir, 'node_api.h'))) return dir;
  } catch {
    /* not installed */
  }
  for (const d of [join(dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node', '/usr/local/include/node'])
    if (existsSync(join(d, 'node_api.h'))) return d;
  return null;
}

/** Compile if the output is missing or older than any source file. Returns the output path, or null (with a warning). */
export function buildNative(outdir = join(root, 'dist')) {
  const out = join(outdir, 'native', NATIVE_FILE);
  // the source is seqlab_kernels.c and the parts it includes (every native/*.c and *.h)
  const newest = Math.max(
    ...readdirSync(dirname(SRC))
      .filter((f) => /\.[ch]$/.test(f))
      .map((f) => statSync(join(dirname(SRC), f)).mtimeMs),
  );
  if (existsSync(out) && statSync(out).mtimeMs >= newest) return out;
  const warn = (why) => {
    console.warn(`[build-native] native kernels not built (${why}); training will use the WebAssembly kernels`);
    return null;
  };
  if (process.platform !== 'linux' || process.arch !== 'x64') return warn(`no native build for ${process.platform}-${process.arch}`);
  const inc = headers();
  if (!inc) return warn('Node-API headers not found');
  const cc = process.env.CC || 'cc';
  mkdirSync(dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  try {
    execFileSync(
      cc,
      [
        '-O3',
        '-mavx2',
        '-mfma',
        '-fPIC',
        '-shared',
        '-fvisibility=hidden',
        '-Wall',
        '-Wextra',
        '-Wno-unused-parameter',
        '-Werror',
        `-I${inc}`,
        '-o',
        tmp,
        SRC,
        '-lpthread',
        '-lm',
      ],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
  } catch (e) {
    return warn(e.code === 'ENOENT' ? `no C compiler: ${cc}` : `${cc} failed`);
  }
  renameSync(tmp, out); // atomic: a concurrent loader never sees half a file
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const i = process.argv.indexOf('--outdir');
  const out = buildNative(i > 0 ? process.argv[i + 1] : undefined);
  if (out) console.log(out);
}
