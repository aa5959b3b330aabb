/**
 * The models on disk: one folder per model under the models location (`seqlab.modelsLocation`, relative to the
 * first workspace folder), or under global storage when no folder is open. Reads card.json; a card that says
 * 'training' while no run of ours is live, and no other window's either (runLock.ts), is shown as 'interrupted'.
 */
import { promises as fsp, existsSync, watch, type FSWatcher } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Disposable } from './disposable';
import { CARD_FILE, CHECKPOINT_FILE, ONNX_FILE, type ModelCard, type ModelStatus } from '../protocol/model';
import { modelsLocationSetting } from './config';
import { sanitizeModelName, uniqueName } from './names';
import { parseCard, writeCard } from '../data/card';
import { liveElsewhere } from '../data/runLock';

export type EntryStatus = ModelStatus | 'queued' | 'unreadable';

export interface ModelEntry {
  name: string;
  /** absolute folder path */
  dir: string;
  card?: ModelCard;
  status: EntryStatus;
  /** why the card could not be read */
  error?: string;
  hasCheckpoint: boolean;
  hasOnnx: boolean;
  /** training in another VS Code window (its run lock names a live process) */
  elsewhere?: boolean;
}

export interface ModelsRoot {
  dir: string;
  where: 'workspace' | 'global';
}

export class ModelStore extends Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private watcher?: vscode.FileSystemWatcher;
  private watchedDir?: string;
  /** A plain inotify watch on the root itself: model folders appearing or going away are seen even when the editor's
   * recursive watcher misses an event (it can, just after it was created, or on a remote/server host). */
  private rootWatch?: FSWatcher;
  private timer?: ReturnType<typeof setTimeout>;

  constructor(
    private readonly globalStorage: vscode.Uri,
    private readonly isLive: (dir: string) => boolean,
  ) {
    super();
    this.subs.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('seqlab.modelsLocation')) {
          this.rewatch();
          this.fire();
        }
      }),
    );
    this.subs.push(
      vscode.workspace.onDidChangeWorkspaceFolders(() => {
        this.rewatch();
        this.fire();
      }),
    );
    this.subs.push(
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        this.rewatch();
        this.fire();
      }),
    );
    // the file watcher starts with the first listing (not at activation)
  }

  /** In Restricted Mode, models in the workspace are not loaded (crafted model files could target the loaders). */
  get blockedByTrust(): boolean {
    return !vscode.workspace.isTrusted && this.root().where === 'workspace';
  }

  root(): ModelsRoot {
    const setting = modelsLocationSetting();
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (path.isAbsolute(setting)) return { dir: path.normalize(setting), where: folder && isInside(setting, folder.uri.fsPath) ? 'workspace' : 'global' };
    if (folder && folder.uri.scheme === 'file') return { dir: path.join(folder.uri.fsPath, setting), where: 'workspace' };
    return { dir: path.join(this.globalStorage.fsPath, 'models'), where: 'global' };
  }

  dirFor(name: string): string {
    return path.join(this.root().dir, name);
  }

  /** A sanitized, unused name derived from `raw`. */
  freeName(raw: string): string {
    const root = this.root().dir;
    return uniqueName(sanitizeModelName(raw), (n) => existsSync(path.join(root, n)));
  }

  exists(name: string): boolean {
    return existsSync(this.dirFor(name));
  }

  async list(): Promise<ModelEntry[]> {
    if (this.blockedByTrust) return [];
    this.rewatch();
    const root = this.root().dir;
    this.watchRoot(root);
    let names: string[];
    try {
      names = (await fsp.readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => d.name);
    } catch {
      return [];
    }
    const entries = await Promise.all(names.map((n) => this.read(path.join(root, n))));
    return entries.filter((e): e is ModelEntry => e !== undefined).sort((a, b) => a.name.localeCompare(b.name));
  }

  async get(nameOrDir: string): Promise<ModelEntry | undefined> {
    const dir = path.isAbsolute(nameOrDir) ? nameOrDir : this.dirFor(nameOrDir);
    return this.read(dir);
  }

  private async read(dir: string): Promise<ModelEntry | undefined> {
    const cardPath = path.join(dir, CARD_FILE);
    const hasCheckpoint = existsSync(path.join(dir, CHECKPOINT_FILE));
    const hasOnnx = existsSync(path.join(dir, ONNX_FILE));
    const name = path.basename(dir);
    let text: string;
    try {
      text = await fsp.readFile(cardPath, 'utf8');
    } catch {
      // a folder without a card: a run that is just starting, or not a model at all
      if (!existsSync(dir)) return undefined;
      if (this.isLive(dir)) return { name, dir, status: 'training', hasCheckpoint, hasOnnx };
      if (!hasCheckpoint && !hasOnnx) return undefined;
      return { name, dir, status: 'unreadable', error: vscode.l10n.t('card.json is missing'), hasCheckpoint, hasOnnx };
    }
    try {
      const card = parseCard(text, CARD_FILE);
      let status: EntryStatus = card.status;
      let elsewhere = false;
      if (status === 'training' && !this.isLive(dir)) {
        elsewhere = liveElsewhere(dir);
        if (!elsewhere) status = 'interrupted';
      }
      return { name, dir, card, status, hasCheckpoint, hasOnnx, elsewhere };
    } catch (e) {
      return { name, dir, status: 'unreadable', error: vscode.l10n.t('card.json is not valid: {0}', (e as Error).message), hasCheckpoint, hasOnnx };
    }
  }

  async delete(entry: ModelEntry): Promise<void> {
    await fsp.rm(entry.dir, { recursive: true, force: true });
    this.fire();
  }

  /** Renames the folder and the card's name (written atomically). Returns the new entry's folder. */
  async rename(entry: ModelEntry, newRaw: string): Promise<string> {
    const newName = sanitizeModelName(newRaw);
    const target = path.join(path.dirname(entry.dir), newName);
    if (target === entry.dir) return target;
    if (existsSync(target)) throw userError(vscode.l10n.t('A model named "{0}" already exists.', newName));
    await fsp.rename(entry.dir, target);
    if (entry.card) writeCard(target, { ...entry.card, name: newName, updatedAt: new Date().toISOString() });
    this.fire();
    return target;
  }

  /** Debounced change notification (file events come in bursts). */
  fire(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.changed.fire();
    }, 100);
  }

  private rewatch(): void {
    const dir = this.root().dir;
    if (dir === this.watchedDir) return;
    this.watcher?.dispose();
    this.unwatchRoot();
    this.watchedDir = dir;
    this.watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(dir), '**/*'));
    this.watcher.onDidCreate(() => this.fire());
    this.watcher.onDidChange(() => this.fire());
    this.watcher.onDidDelete(() => this.fire());
  }

  /** Arms the root watch if the root exists (if not, the editor's watcher sees it appear and the next listing arms it). */
  private watchRoot(dir: string): void {
    if (this.rootWatch || dir !== this.watchedDir) return;
    try {
      const w = watch(dir, { persistent: false }, () => {
        if (!existsSync(dir)) this.unwatchRoot(); // the root itself went away: its inotify watch is dead
        this.fire();
      });
      w.on('error', () => this.unwatchRoot());
      this.rootWatch = w;
    } catch {
      /* no root yet */
    }
  }

  private unwatchRoot(): void {
    this.rootWatch?.close();
    this.rootWatch = undefined;
  }

  override dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.watcher?.dispose();
    this.unwatchRoot();
    this.changed.dispose();
    super.dispose();
  }
}

function isInside(p: string, dir: string): boolean {
  const rel = path.relative(dir, p);
  return !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** An Error whose message is meant for the user as is (no stack). */
export class UserError extends Error {
  readonly userFacing = true;
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}
export function userError(message: string): UserError {
  return new UserError(message);
}
