/**
 * Which workspace files "Train Autocomplete Model on Workspace…" uses (pure: no vscode, no I/O). The caller finds
 * candidates with a glob (VS Code applies `files.exclude`), and passes every `.gitignore` it found; this applies the
 * `.gitignore` rules (each file's rules relative to its own folder, as git does), skips dependency and model folders,
 * and caps file size and total size. Deterministic: paths are taken in sorted order.
 */
import ignore, { type Ignore } from 'ignore';

export interface Candidate {
  /** workspace-relative path with / separators */ rel: string;
  size: number;
}
export interface IgnoreFile {
  /** folder of the .gitignore, workspace-relative ('' for the root) */ dir: string;
  content: string;
}
export interface Caps {
  maxFileBytes: number;
  maxTotalBytes: number;
}
export type SkipReason = 'gitignore' | 'folder' | 'empty' | 'too large' | 'over total';
export interface Selection {
  files: Candidate[];
  skipped: { rel: string; reason: SkipReason }[];
  bytes: number;
}

/** folders never trained on, whatever .gitignore says */
const ALWAYS_SKIPPED = /(^|\/)(node_modules|\.git|\.seqlab|\.vscode-test|\.venv|__pycache__)\//;

export function selectTrainingFiles(cands: readonly Candidate[], ignores: readonly IgnoreFile[], caps: Caps): Selection {
  const rules: { dir: string; ig: Ignore }[] = ignores.map((f) => ({ dir: trimSlashes(f.dir), ig: ignore().add(f.content) }));
  const ignored = (rel: string) =>
    rules.some(({ dir, ig }) => {
      if (dir && !rel.startsWith(dir + '/')) return false;
      return ig.ignores(dir ? rel.slice(dir.length + 1) : rel);
    });
  const out: Selection = { files: [], skipped: [], bytes: 0 };
  for (const c of [...cands].sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0))) {
    const rel = trimSlashes(c.rel);
    if (ALWAYS_SKIPPED.test(rel)) out.skipped.push({ rel, reason: 'folder' });
    else if (ignored(rel)) out.skipped.push({ rel, reason: 'gitignore' });
    else if (c.size === 0) out.skipped.push({ rel, reason: 'empty' });
    else if (c.size > caps.maxFileBytes) out.skipped.push({ rel, reason: 'too large' });
    else if (out.bytes + c.size > caps.maxTotalBytes) out.skipped.push({ rel, reason: 'over total' });
    else {
      out.files.push({ rel, size: c.size });
      out.bytes += c.size;
    }
  }
  return out;
}

/** `**\/*.{ts,mts}` for the file extensions and names a language contributes (null when it has none). */
export function languageGlob(extensions: readonly string[], filenames: readonly string[] = []): string | null {
  const exts = [...new Set(extensions.map((e) => e.replace(/^\./, '')).filter((e) => e && !/[{}*?,[\]]/.test(e)))].sort();
  const names = [...new Set(filenames.filter((n) => n && !/[{}*?,/[\]]/.test(n)))].sort();
  const parts = [...exts.map((e) => `*.${e}`), ...names];
  if (parts.length === 0) return null;
  return parts.length === 1 ? `**/${parts[0]}` : `**/{${parts.join(',')}}`;
}

function trimSlashes(p: string): string {
  return p.replace(/\\/g, '/').replace(/^\/+|\/+$/g, '');
}
