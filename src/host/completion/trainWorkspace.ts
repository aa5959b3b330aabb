/**
 * "Train Autocomplete Model on Workspace…": the workspace's files of one language (a glob; VS Code applies
 * `files.exclude`, workspaceFiles.ts applies `.gitignore` and the size caps), reported as files and characters,
 * then handed to the existing training command (`seqlab.train` with a file list, which queues a TrainingService run).
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { COMMANDS } from '../commandIds';
import { countCodePoints } from '../../data/vocab';
import { looksBinary } from '../inputs';
import { fmtCount } from '../format';
import { showInfo, showWarning } from '../log';
import { userError } from '../modelStore';
import { readSettings } from './settings';
import { languageGlob, selectTrainingFiles, type Candidate, type IgnoreFile } from './workspaceFiles';

export interface TrainWorkspaceArgs {
  /** a VS Code language id, e.g. "typescript" */
  language?: string;
  /** overrides the glob derived from the language */
  glob?: string;
  name?: string;
  preset?: string;
  steps?: number;
  minutes?: number;
  options?: Record<string, unknown>;
  /** resolve when training ends (default false) */
  wait?: boolean;
  notify?: boolean;
}

export interface WorkspaceSelection {
  language: string;
  glob: string;
  files: string[];
  chars: number;
  bytes: number;
  skipped: number;
  skippedBig: number;
}

/** extensions and file names that installed extensions contribute for a language */
export function languageFiles(language: string): { extensions: string[]; filenames: string[] } {
  const extensions: string[] = [],
    filenames: string[] = [];
  for (const ext of vscode.extensions.all) {
    const langs = (ext.packageJSON as { contributes?: { languages?: { id?: string; extensions?: string[]; filenames?: string[] }[] } })?.contributes?.languages;
    for (const l of langs ?? []) {
      if (l.id !== language) continue;
      extensions.push(...(l.extensions ?? []));
      filenames.push(...(l.filenames ?? []));
    }
  }
  return { extensions, filenames };
}

export async function pickLanguage(): Promise<string | undefined> {
  const all = await vscode.languages.getLanguages();
  const current = vscode.window.activeTextEditor?.document.languageId;
  const open = new Set(vscode.workspace.textDocuments.map((d) => d.languageId));
  const items = all
    .filter((l) => languageGlob(languageFiles(l).extensions, languageFiles(l).filenames) !== null)
    .sort((a, b) => {
      const rank = (l: string) => (l === current ? 0 : open.has(l) ? 1 : 2);
      return rank(a) - rank(b) || a.localeCompare(b);
    })
    .map((l) => ({ label: l, description: l === current ? vscode.l10n.t('active editor') : open.has(l) ? vscode.l10n.t('open') : undefined }));
  const pick = await vscode.window.showQuickPick(items, {
    title: vscode.l10n.t('Train autocomplete: which language? (1/3)'),
    placeHolder: vscode.l10n.t('language id'),
  });
  return pick?.label;
}

/** Finds, filters and reads the files; throws a user-facing error when nothing is left. */
export async function collectWorkspaceFiles(language: string, glob: string, token?: vscode.CancellationToken): Promise<WorkspaceSelection> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder || folder.uri.scheme !== 'file') throw userError(vscode.l10n.t("Open a folder first: autocomplete training reads the workspace's files."));
  const s = readSettings();
  // exclude undefined = VS Code applies files.exclude
  const uris = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, glob), undefined, 20000, token);
  const ignoreUris = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, '**/.gitignore'), '**/node_modules/**', 1000, token);
  const root = folder.uri.fsPath;
  const rel = (u: vscode.Uri) => path.relative(root, u.fsPath).split(path.sep).join('/');
  const cands: Candidate[] = [];
  for (const u of uris) {
    try {
      cands.push({ rel: rel(u), size: (await fsp.stat(u.fsPath)).size });
    } catch {
      /* vanished */
    }
  }
  const ignores: IgnoreFile[] = [];
  for (const u of ignoreUris) {
    try {
      ignores.push({ dir: path.posix.dirname(rel(u)).replace(/^\.$/, ''), content: await fsp.readFile(u.fsPath, 'utf8') });
    } catch {
      /* unreadable */
    }
  }
  const sel = selectTrainingFiles(cands, ignores, { maxFileBytes: s.trainMaxFileKB * 1024, maxTotalBytes: s.trainMaxTotalMB * 1024 * 1024 });
  const files: string[] = [];
  let chars = 0,
    skippedBinary = 0;
  for (const f of sel.files) {
    const abs = path.join(root, f.rel);
    let buf: Buffer;
    try {
      buf = await fsp.readFile(abs);
    } catch {
      continue;
    }
    if (looksBinary(buf.subarray(0, 8192))) {
      skippedBinary++;
      continue;
    }
    chars += countCodePoints(buf.toString('utf8'));
    files.push(abs);
  }
  if (files.length === 0) {
    throw userError(
      vscode.l10n.t('No {0} files to train on in this workspace (glob {1}, after .gitignore, files.exclude and the size limits).', language, glob),
    );
  }
  const skippedBig = sel.skipped.filter((x) => x.reason === 'too large' || x.reason === 'over total').length;
  return { language, glob, files, chars, bytes: sel.bytes, skipped: sel.skipped.length + skippedBinary, skippedBig };
}

export interface TrainWorkspaceDeps {
  /** whether a model folder of that name exists */
  exists(name: string): boolean;
  /** the training service's promise for a job (resolves when the run ends) */
  done(jobId: string): Promise<unknown> | undefined;
  /** called with the new model once its run has ended well */
  onTrained(modelDir: string, name: string): Promise<void>;
}

export type TrainWorkspaceResult = WorkspaceSelection & { jobId?: string; modelDir?: string; name?: string; error?: string };

/**
 * The model size for a time budget: the small preset (1×LSTM 128) learns fastest; from 15 minutes on, the medium one
 * (2×LSTM 256, dropout 0.1) has time to pass it (npm run bench:complete: on held-out text it predicts better than the
 * small one after the same 12 minutes of training).
 */
export function presetForBudget(minutes: number | undefined): 'small' | 'medium' {
  return minutes !== undefined && minutes >= 15 ? 'medium' : 'small';
}

/** Runs the whole command; returns what went in and the outcome of `seqlab.train`. */
export async function trainOnWorkspace(args: TrainWorkspaceArgs | undefined, deps: TrainWorkspaceDeps): Promise<TrainWorkspaceResult | undefined> {
  const interactive = !args;
  const language = args?.language ?? (await pickLanguage());
  if (!language) return undefined;
  const lf = languageFiles(language);
  let glob = args?.glob ?? languageGlob(lf.extensions, lf.filenames) ?? undefined;
  if (interactive) {
    glob = await vscode.window.showInputBox({
      title: vscode.l10n.t('Train autocomplete: which files? (2/3)'),
      value: glob ?? '**/*',
      prompt: vscode.l10n.t('A glob relative to the workspace folder. .gitignore, files.exclude and the size limits (settings) apply.'),
      validateInput: (v) => (v.trim() ? undefined : vscode.l10n.t('Enter a glob.')),
    });
    if (!glob) return undefined;
  }
  if (!glob) throw userError(vscode.l10n.t('VS Code knows no file extensions for the language "{0}". Pass a glob.', language));
  const g = glob;
  const sel = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Finding {0} files…', language) }, () =>
    collectWorkspaceFiles(language, g),
  );
  const summary =
    vscode.l10n.t('{0} {1} files, {2} characters', sel.files.length, language, fmtCount(sel.chars)) +
    (sel.skipped ? ' ' + vscode.l10n.t('({0} skipped: ignored, too large, over the total limit or binary)', sel.skipped) : '');
  let minutes = args?.minutes;
  const steps = args?.steps;
  if (interactive) {
    const pick = await vscode.window.showQuickPick(
      [1, 5, 15, 60].map((m) => ({
        label: vscode.l10n.t('{0} min', m),
        m,
        description:
          presetForBudget(m) === 'medium'
            ? vscode.l10n.t('medium model (2×LSTM 256): better suggestions, given the time to learn')
            : vscode.l10n.t('small model (1×LSTM 128)'),
      })),
      {
        title: vscode.l10n.t('Train autocomplete on {0}: time budget (3/3)', summary),
      },
    );
    if (!pick) return undefined;
    minutes = pick.m;
  }
  let name = args?.name;
  if (!name) {
    const base = `autocomplete-${language}`.replace(/[^\p{L}\p{N}._-]+/gu, '-');
    name = base;
    for (let i = 2; deps.exists(name); i++) name = `${base}-${i}`;
  }
  // the existing training path: seqlab.train with a file list and options queues a TrainingService run
  const outcome = await vscode.commands.executeCommand<{ jobId?: string; modelDir?: string; name?: string; error?: string } | undefined>(COMMANDS.train, {
    files: sel.files,
    preset: args?.preset ?? presetForBudget(minutes),
    name,
    wait: false,
    notify: args?.notify,
    ...(steps !== undefined || minutes !== undefined ? { steps, minutes } : { minutes: 5 }),
    // validation blocks spread over the files, so every file is trained on (the tail split would never train on the last files)
    options: { sampleChars: 0, valSplit: 'spread', ...(args?.options ?? {}) },
  });
  if (!outcome || outcome.error || !outcome.modelDir || !outcome.name) return { ...sel, ...(outcome ?? {}) };
  void showInfo(vscode.l10n.t('Training "{0}" for autocomplete on {1}.', outcome.name, summary));
  const finished = (async () => {
    const p = outcome.jobId ? deps.done(outcome.jobId) : undefined;
    if (!p) return;
    try {
      await p;
    } catch {
      return;
    } // the training service already reported the failure
    try {
      await deps.onTrained(outcome.modelDir!, outcome.name!);
    } catch (e) {
      void showWarning((e as Error).message);
    }
  })();
  if (args?.wait) await finished;
  return { ...sel, ...outcome };
}
