/**
 * Autocomplete state on the extension host: which model (per workspace), on/off, snooze, the loaded model and its
 * Completer, statistics (globalState, local only), and the status-bar item. The model is loaded lazily, on the
 * first completion request, through onnxruntime-node (the TS engine when the native runtime cannot load).
 */
import { existsSync, promises as fsp, statSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { COMPLETION_COMMANDS } from '../commandIds';
import { Disposable } from '../disposable';
import { MIXTURE_FILE, ONNX_FILE } from '../../protocol/model';
import { log } from '../log';
import type { ModelStore } from '../modelStore';
import { Completer, type CompletionModel } from '../../worker/completion/completer';
import type { MixtureValidation } from '../../worker/completion/mixture';
import type { OnnxModel } from '../../onnx/runtime';
import { readTrainingText, trainingFilesOf } from '../../data/modelFolder';
import { isLanguageEnabled } from './languages';
import { type AdapterBase, DocumentAdapter } from './adapter';
import { readSettings } from './settings';
import { CompletionStats, type StatsSnapshot } from './stats';

const MODEL_KEY = 'seqlab.completion.model';
const STATS_KEY = 'seqlab.completion.stats';
const SNOOZE_KEY = 'seqlab.completion.snoozedUntil';
const HINT_KEY = 'seqlab.completion.heldBackHintShown';
export const SNOOZE_MS = 30 * 60 * 1000;

/** the most training text read for the mixture's 5-gram */
const MIXTURE_MAX_BYTES = 8 * 1024 * 1024;

interface Loaded {
  dir: string;
  stamp: string;
  completer: Completer;
  /** the mixture's figures on the training text's tail, once it is built, and where it came from */
  mixture?: MixtureValidation & { source: 'file' | 'text' };
  parts?: AdapterBase['mixture'];
  engine: string;
  dispose(): Promise<void>;
}

export class CompletionController extends Disposable {
  readonly stats: CompletionStats;
  private loaded?: Loaded;
  private loading?: Promise<Loaded | undefined>;
  private loadError?: string;
  private lastStampCheck = 0;
  private snoozeTimer?: ReturnType<typeof setTimeout>;
  /** this window's last snooze or resume (undefined = resumed); null until it snoozes or resumes. It wins over
   * globalState, which is one blob per extension, also written by the statistics: in one integration run a snooze was
   * not read back from it right after the awaited update. globalState still carries it to the next session. */
  private localSnooze: { until: number | undefined } | null = null;
  private saveTimer?: ReturnType<typeof setTimeout>;
  private readonly item: vscode.StatusBarItem;
  /** the last suggestion held back for low confidence (cleared by the next one shown) */
  heldBack?: { confidence: number; threshold: number };
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  /** dynamic evaluation: models adapted to the documents being edited (seqlab.completion.dynamicEvaluation) */
  readonly adapter: DocumentAdapter;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly store: ModelStore,
  ) {
    super();
    this.stats = new CompletionStats(context.globalState.get<Partial<StatsSnapshot>>(STATS_KEY));
    this.item = vscode.window.createStatusBarItem('seqlab.completion', vscode.StatusBarAlignment.Right, 100);
    this.item.name = vscode.l10n.t('Sequence Lab Autocomplete');
    this.item.command = COMPLETION_COMMANDS.menu;
    const base = async () => {
      await this.completer();
      return this.loaded && { dir: this.loaded.dir, mixture: this.loaded.parts };
    };
    this.adapter = new DocumentAdapter(path.join(context.extensionPath, 'dist', 'infer-worker.js'), base, () => this.optionsFor(this.loaded?.engine ?? 'onnx'));
    this.subs.push(
      this.adapter,
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration('seqlab.completion')) return;
        if (!readSettings().dynamicEvaluation) void this.adapter.reset();
        if (this.loaded) this.loaded.completer.setOptions(this.optionsFor(this.loaded.engine));
        this.refresh();
      }),
    );
    this.subs.push(vscode.window.onDidChangeActiveTextEditor(() => this.refresh()));
    this.subs.push(store.onDidChange(() => this.refresh()));
    const until = this.snoozedUntil;
    if (until) this.armSnoozeTimer(until);
    this.refresh();
  }

  // ---------------------------------------------------------------- state

  /** the model folder chosen for this workspace */
  get modelDir(): string | undefined {
    return this.context.workspaceState.get<string>(MODEL_KEY);
  }
  get modelName(): string | undefined {
    const d = this.modelDir;
    return d ? path.basename(d) : undefined;
  }
  get enabled(): boolean {
    return readSettings().enabled;
  }
  get snoozedUntil(): number | undefined {
    const t = this.localSnooze ? this.localSnooze.until : this.context.globalState.get<number>(SNOOZE_KEY);
    return typeof t === 'number' && t > Date.now() ? t : undefined;
  }
  get engine(): string | undefined {
    return this.loaded?.engine;
  }
  /** the mixture's figures once it is built (undefined: the LSTM suggests alone) */
  get mixture(): (MixtureValidation & { source: 'file' | 'text' }) | undefined {
    return this.loaded?.mixture;
  }
  get lastError(): string | undefined {
    return this.loadError;
  }

  /** on, not snoozed, and a model chosen */
  get active(): boolean {
    return this.enabled && !this.snoozedUntil && !!this.modelDir;
  }

  activeFor(languageId: string): boolean {
    return this.active && isLanguageEnabled(readSettings().languages, languageId);
  }

  async setModel(dir: string | undefined): Promise<void> {
    await this.context.workspaceState.update(MODEL_KEY, dir);
    await this.unload();
    this.loadError = undefined;
    this.refresh();
  }

  async setEnabled(on: boolean): Promise<void> {
    const cfg = vscode.workspace.getConfiguration('seqlab.completion');
    // write where the value comes from, so the toggle wins over a workspace setting
    const i = cfg.inspect<boolean>('enabled');
    const target =
      i?.workspaceFolderValue !== undefined
        ? vscode.ConfigurationTarget.WorkspaceFolder
        : i?.workspaceValue !== undefined
          ? vscode.ConfigurationTarget.Workspace
          : vscode.ConfigurationTarget.Global;
    await cfg.update('enabled', on, target);
    if (on) await this.snooze(0);
    this.refresh();
  }

  /** snooze for `ms` (0 resumes) */
  async snooze(ms: number): Promise<void> {
    const until = ms > 0 ? Date.now() + ms : undefined;
    this.localSnooze = { until };
    await this.context.globalState.update(SNOOZE_KEY, until); // persisted: a restart stays snoozed
    if (this.snoozeTimer) clearTimeout(this.snoozeTimer);
    this.snoozeTimer = undefined;
    if (until) this.armSnoozeTimer(until);
    this.refresh();
  }

  private armSnoozeTimer(until: number): void {
    this.snoozeTimer = setTimeout(
      () => {
        this.snoozeTimer = undefined;
        this.refresh();
      },
      Math.max(0, until - Date.now()) + 50,
    );
  }

  // ---------------------------------------------------------------- model

  /** The completer for the chosen model, loading (or reloading after a retrain) when needed; undefined when unusable. */
  async completer(doc?: vscode.TextDocument): Promise<Completer | undefined> {
    const dir = this.modelDir;
    if (!dir) return undefined;
    const l = this.loaded;
    if (l && l.dir === dir) {
      const own = (doc && this.adapter.completerFor(doc.uri, dir)) || l.completer;
      // a retrained model replaces model.onnx: look at most every 2 s
      const now = Date.now();
      if (now - this.lastStampCheck < 2000) return own;
      this.lastStampCheck = now;
      if (stampOf(dir) === l.stamp) return own;
    }
    if (!this.loading) {
      this.loading = this.load(dir).finally(() => {
        this.loading = undefined;
      });
    }
    return (await this.loading)?.completer;
  }

  private async load(dir: string): Promise<Loaded | undefined> {
    await this.unload();
    if (this.store.blockedByTrust && isInside(dir, vscode.workspace.workspaceFolders?.[0]?.uri.fsPath)) {
      this.loadError = vscode.l10n.t('Restricted Mode: models in this workspace are not loaded.');
      this.refresh();
      return undefined;
    }
    const file = path.join(dir, ONNX_FILE);
    try {
      const stamp = stampOf(dir);
      const bytes = await fsp.readFile(file);
      const { openInference } = await import('../../onnx/fallback');
      const handle = await openInference(bytes, { name: file, warn: (m) => log().warn(m) });
      let completer: Completer;
      try {
        completer = new Completer(handle, this.optionsFor(handle.engine));
        await completer.warmUp();
      } catch (e) {
        await handle.dispose();
        throw e;
      }
      if (handle.onnx?.greedyFallbackReason) log().info(`[autocomplete] greedy decoding steps one run per character: ${handle.onnx.greedyFallbackReason}`);
      this.loaded = { dir, stamp, completer, engine: handle.engine, dispose: () => handle.dispose() };
      this.lastStampCheck = Date.now();
      this.loadError = undefined;
      log().info(`[autocomplete] loaded ${path.basename(dir)} (${handle.engine === 'onnx' ? 'onnxruntime-node' : 'TypeScript engine'})`);
      this.refresh();
      if (handle.onnx) void this.attachMixture(this.loaded, handle, handle.onnx);
      return this.loaded;
    } catch (e) {
      this.loadError = vscode.l10n.t('Cannot load the autocomplete model "{0}": {1}', path.basename(dir), (e as Error).message);
      log().warn(`[autocomplete] ${this.loadError}`);
      this.refresh();
      return undefined;
    }
  }

  /**
   * Build the mixture of experts in the background (the LSTM suggests alone until it is ready): the 5-gram of the
   * model's training text and the gate fitted on its tail, yielding to the extension host between slices of work.
   * Where the training text is gone, autocomplete stays with the LSTM and the log says why.
   */
  private async attachMixture(l: Loaded, handle: CompletionModel, onnx: OnnxModel): Promise<void> {
    const name = path.basename(l.dir);
    try {
      const t0 = performance.now();
      const { Vocab } = await import('../../data/vocab');
      const { buildMixture, MixtureStepper } = await import('../../worker/completion/mixture');
      const vocab = Vocab.fromJSON(handle.info.vocab!);
      const pause = () => new Promise<void>((r) => setImmediate(r));
      const m =
        (await savedMixture(l.dir, vocab.size, pause)) ??
        (await (async () => {
          const files = trainingFilesOf(l.dir, () => new Error('the text it was trained on is not on this machine'));
          const text = await readTrainingText(files, MIXTURE_MAX_BYTES);
          if (!text) throw new Error('none of the files it was trained on could be read');
          return { ...(await buildMixture(onnx, vocab.size, vocab.encode(text), pause)), source: 'text' as const };
        })());
      if (this.loaded !== l) return; // another model was chosen meanwhile
      const mixture: CompletionModel = { info: handle.info, stepper: () => new MixtureStepper(handle.stepper(), m.ngram, m.gate) };
      l.completer = new Completer(mixture, this.optionsFor(l.engine));
      l.mixture = { ...m.validation, source: m.source };
      l.parts = { ngram: m.ngram, gate: m.gate };
      const v = m.validation;
      log().info(
        `[autocomplete] ${name}: LSTM + 5-gram mixture ${m.source === 'file' ? `read from ${MIXTURE_FILE}` : 'built from the training text'}, ready in ${Math.round(performance.now() - t0)} ms; on the training text's tail ${v.gate.toFixed(3)} bits/char (LSTM alone ${v.lstm.toFixed(3)}, 5-gram ${v.ngram.toFixed(3)}, one fixed weight ${v.fixed.toFixed(3)})`,
      );
      this.refresh();
    } catch (e) {
      log().info(`[autocomplete] ${name}: suggestions from the LSTM alone (no 5-gram mixture: ${(e as Error).message})`);
    }
  }

  /**
   * The settings, except that the TypeScript fallback engine (used only when onnxruntime-node cannot load) runs on
   * this thread: its cold start reads at most 128 characters, so a new document never blocks the extension host long.
   */
  private optionsFor(engine: string): ReturnType<typeof readSettings> {
    const s = readSettings();
    return engine === 'ts' ? { ...s, window: Math.min(s.window, 128) } : s;
  }

  private async unload(): Promise<void> {
    const l = this.loaded;
    this.loaded = undefined;
    await this.adapter.reset();
    if (l) await l.dispose().catch(() => undefined);
  }

  /** forward editor edits to the state cache */
  documentChanged(e: vscode.TextDocumentChangeEvent): void {
    if (e.contentChanges.length === 0) return;
    this.adapter.changed(e.document);
    const c = this.loaded?.completer;
    if (!c) return;
    const key = e.document.uri.toString();
    for (const ch of e.contentChanges) {
      c.applyEdit(key, ch.rangeOffset, ch.rangeLength, ch.text.length);
      this.adapter.applyEdit(key, ch.rangeOffset, ch.rangeLength, ch.text.length);
    }
  }
  documentClosed(doc: vscode.TextDocument): void {
    this.loaded?.completer.invalidate(doc.uri.toString());
    void this.adapter.closed(doc.uri);
  }

  // ---------------------------------------------------------------- statistics

  recordRequest(ms: number, shown: boolean, cold: boolean, confidence?: number): void {
    this.stats.recordRequest(ms, shown, cold);
    this.scheduleSave();
    const held = !shown && confidence !== undefined ? { confidence, threshold: readSettings().threshold } : undefined;
    if ((held === undefined) !== (this.heldBack === undefined) || held) {
      this.heldBack = held;
      this.refresh();
    }
    if (held) void this.firstHoldHint(held);
  }

  /** The first suggestion ever held back: say once why nothing appeared, and where the threshold is set. */
  private async firstHoldHint(h: { confidence: number; threshold: number }): Promise<void> {
    if (this.context.globalState.get<boolean>(HINT_KEY)) return;
    await this.context.globalState.update(HINT_KEY, true);
    const open = vscode.l10n.t('Open Setting');
    const pick = await vscode.window.showInformationMessage(
      vscode.l10n.t(
        'Sequence Lab held back a suggestion: the model was {0}% sure, and suggestions need {1}% (seqlab.completion.confidenceThreshold). The status bar item says so each time.',
        Math.round(100 * h.confidence),
        Math.round(100 * h.threshold),
      ),
      open,
    );
    if (pick === open) await vscode.commands.executeCommand('workbench.action.openSettings', 'seqlab.completion.confidenceThreshold');
  }
  recordAccepted(chars: number): void {
    this.stats.recordAccepted(chars);
    this.scheduleSave();
  }
  async resetStats(): Promise<void> {
    this.stats.reset();
    await this.saveStats();
  }

  private scheduleSave(): void {
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      void this.saveStats();
    }, 5000);
  }
  private saveStats(): Thenable<void> {
    return this.context.globalState.update(STATS_KEY, this.stats.snapshot());
  }

  // ---------------------------------------------------------------- status bar

  /** what the status-bar item shows (tests read it) */
  get statusText(): string | undefined {
    return this.modelDir ? this.item.text : undefined;
  }

  refresh(): void {
    const name = this.modelName;
    if (!name) {
      this.item.hide();
      this.changed.fire();
      return;
    }
    const lang = vscode.window.activeTextEditor?.document.languageId;
    const langOff = lang !== undefined && !isLanguageEnabled(readSettings().languages, lang);
    let icon: string, state: string;
    if (this.loadError) {
      icon = '$(warning)';
      state = this.loadError;
    } else if (!this.enabled) {
      icon = '$(circle-slash)';
      state = vscode.l10n.t('Autocomplete is off.');
    } else if (this.snoozedUntil) {
      icon = '$(clock)';
      state = vscode.l10n.t('Autocomplete is snoozed until {0}.', new Date(this.snoozedUntil).toLocaleTimeString());
    } else if (langOff) {
      icon = '$(circle-slash)';
      state = vscode.l10n.t('Autocomplete is off for {0}.', lang!);
    } else {
      icon = '$(sparkle)';
      state = vscode.l10n.t('Autocomplete is on.');
      const h = this.heldBack;
      if (h) {
        const why = vscode.l10n.t(
          'The last suggestion was held back: the model was {0}% sure, below the threshold of {1}% (seqlab.completion.confidenceThreshold).',
          Math.round(100 * h.confidence),
          Math.round(100 * h.threshold),
        );
        state += '\n\n' + why;
      }
    }
    this.item.text = `${icon} ${name}`;
    const md = new vscode.MarkdownString(undefined, true);
    md.appendText(vscode.l10n.t('Sequence Lab autocomplete with the model "{0}".', name) + '\n\n' + state + '\n\n' + vscode.l10n.t('Click for options.'));
    this.item.tooltip = md;
    this.item.accessibilityInformation = { label: vscode.l10n.t('Sequence Lab autocomplete: {0}. {1}', name, state) };
    this.item.backgroundColor = this.loadError ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.show();
    this.changed.fire();
  }

  override dispose(): void {
    if (this.snoozeTimer) clearTimeout(this.snoozeTimer);
    if (this.saveTimer) {
      clearTimeout(this.saveTimer);
      void this.saveStats();
    }
    super.dispose();
    void this.unload();
    this.item.dispose();
    this.changed.dispose();
  }
}

function stampOf(dir: string): string {
  try {
    const st = statSync(path.join(dir, ONNX_FILE));
    return `${st.size}:${st.mtimeMs}`;
  } catch {
    return 'missing';
  }
}

function isInside(p: string, dir: string | undefined): boolean {
  if (!dir) return false;
  const rel = path.relative(dir, p);
  return !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** the mixture saved in the model folder (mixture.bin), or undefined when there is none or it does not fit (logged) */
async function savedMixture(dir: string, V: number, pause: () => Promise<void>) {
  const file = path.join(dir, MIXTURE_FILE);
  if (!existsSync(file)) return undefined;
  try {
    const { decodeMixture } = await import('../../engine/mixtureFile');
    const m = await decodeMixture(await fsp.readFile(file), pause);
    if (m.ngram.V !== V) throw new Error(`it is for a vocabulary of ${m.ngram.V}, the model has ${V}`);
    return { ...m, source: 'file' as const };
  } catch (e) {
    log().warn(`[autocomplete] ${path.basename(dir)}: ${MIXTURE_FILE} is not used (${(e as Error).message}); rebuilding the mixture from the training text`);
    return undefined;
  }
}
