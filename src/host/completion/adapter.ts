/**
 * Dynamic evaluation for autocomplete (seqlab.completion.dynamicEvaluation, off by default): when the user has
 * stopped typing in a document for a moment, the inference worker takes a few SGD steps on the document's text
 * (worker/completion/dynamicEval.ts) and sends back the adapted model, which then suggests in that document only.
 * The saved model is never changed. bench:dynamic measured it on held-out TypeScript files: 10 % fewer bits per
 * character, for 3× the cost of reading the text once (about 0.03 ms per character, in the worker).
 */
import * as vscode from 'vscode';
import type { CharNgram } from '../../engine/ngram';
import type { Gate } from '../../engine/mixture';
import type { Completer } from '../../worker/completion/completer';
import { log } from '../log';
import { InferClient } from '../panels/inferClient';
import { readSettings } from './settings';

/** idle time after the last edit before a document is adapted to */
const IDLE_MS = 1500;
/** documents shorter than this are not adapted to */
const MIN_CHARS = 200;
/** adapted models kept at most (the least recently adapted goes first) */
const KEEP = 3;

export interface AdapterBase {
  dir: string;
  /** the base model's mixture parts, when they are ready */
  mixture?: { ngram: CharNgram; gate: Gate };
}

interface Adapted {
  dir: string;
  completer: Completer;
  dispose(): Promise<void>;
}

export class DocumentAdapter implements vscode.Disposable {
  private infer?: InferClient;
  private use?: vscode.Disposable;
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly adapted = new Map<string, Adapted>();
  /** adaptations finished (tests and the state command read it) */
  count = 0;
  lastMs = 0;

  constructor(
    private readonly workerPath: string,
    /** the model in use (loading it first when needed) */
    private readonly base: () => Promise<AdapterBase | undefined>,
    private readonly options: () => ReturnType<typeof readSettings>,
  ) {}

  get enabled(): boolean {
    return readSettings().dynamicEvaluation;
  }

  /** an edit: adapt to the document once the user is idle */
  changed(doc: vscode.TextDocument): void {
    if (!this.enabled || (doc.uri.scheme !== 'file' && doc.uri.scheme !== 'untitled')) return;
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        void this.adapt(doc).catch((e: Error) => log().warn(`[autocomplete] could not adapt to ${doc.fileName}: ${e.message}`));
      }, IDLE_MS),
    );
  }

  /** adapt to `doc` now (the idle timer calls it; tests may too) */
  async adapt(doc: vscode.TextDocument): Promise<boolean> {
    const b = await this.base();
    const text = doc.getText();
    if (!b || !this.enabled || text.length < MIN_CHARS) return false;
    this.infer ??= new InferClient(this.workerPath);
    this.use ??= this.infer.acquire();
    const r = await this.infer.rpc.request('infer/adapt', { modelDir: b.dir, text });
    if ((await this.base())?.dir !== b.dir) return false; // another model was chosen meanwhile
    const { openInference } = await import('../../onnx/fallback');
    const { Completer } = await import('../../worker/completion/completer');
    const { MixtureStepper } = await import('../../worker/completion/mixture');
    const handle = await openInference(r.onnx, { name: `${doc.fileName} (adapted)`, warn: () => undefined });
    const mx = b.mixture;
    const model = mx ? { info: handle.info, stepper: () => new MixtureStepper(handle.stepper(), mx.ngram, mx.gate) } : handle;
    const key = doc.uri.toString();
    await this.drop(key);
    this.adapted.set(key, { dir: b.dir, completer: new Completer(model, this.options()), dispose: () => handle.dispose() });
    while (this.adapted.size > KEEP) await this.drop(this.adapted.keys().next().value!);
    this.count++;
    this.lastMs = r.ms;
    log().info(`[autocomplete] adapted to ${doc.fileName} (${r.chars} characters) in ${Math.round(r.ms)} ms`);
    return true;
  }

  /** the adapted completer of a document, for the model in use */
  completerFor(uri: vscode.Uri, dir: string): Completer | undefined {
    if (!this.enabled) return undefined;
    const a = this.adapted.get(uri.toString());
    return a && a.dir === dir ? a.completer : undefined;
  }

  /** forward an edit to the adapted completer's state cache */
  applyEdit(key: string, offset: number, removed: number, inserted: number): void {
    this.adapted.get(key)?.completer.applyEdit(key, offset, removed, inserted);
  }

  async closed(uri: vscode.Uri): Promise<void> {
    clearTimeout(this.timers.get(uri.toString()));
    await this.drop(uri.toString());
  }

  /** the model changed, or the setting was turned off: forget every adapted model */
  async reset(): Promise<void> {
    for (const k of [...this.adapted.keys()]) await this.drop(k);
  }

  private async drop(key: string): Promise<void> {
    const a = this.adapted.get(key);
    this.adapted.delete(key);
    if (a) await a.dispose().catch(() => undefined);
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    void this.reset();
    this.use?.dispose();
    this.infer?.dispose();
  }
}
