/**
 * The stable InlineCompletionItemProvider: debounced (`seqlab.completion.debounceMs`, not for explicit triggers),
 * cancelled by VS Code's token and by any newer request, and quiet where a suggestion would be in the way
 * (quiet.ts: the suggest widget, a selection, text right of the cursor, manual mode; never repeating what follows). The model work happens in Completer (async onnxruntime calls, cancellation checked between calls).
 * Latency is measured from the end of the debounce to the items (the debounce is a deliberate wait).
 */
import * as vscode from 'vscode';
import { COMPLETION_COMMANDS } from '../commandIds';
import { quietReason, withoutRepeat, type QuietReason } from '../../worker/completion/quiet';
import type { CompletionController } from './controller';
import { debounce, LatestOnly } from '../../worker/completion/debounce';
import { readSettings } from './settings';

export const ACCEPTED_COMMAND = COMPLETION_COMMANDS.accepted;

export class SeqlabInlineProvider implements vscode.InlineCompletionItemProvider {
  private readonly latest = new LatestOnly();
  /** the last suggestion returned (tests and diagnostics) */
  last?: { text: string; ms: number; cold: boolean; uri: string };
  /** the last request that stayed quiet, and why (tests and diagnostics) */
  lastQuiet?: { reason: QuietReason | 'repeat'; uri: string };

  constructor(private readonly ctrl: CompletionController) {}

  async provideInlineCompletionItems(
    doc: vscode.TextDocument,
    pos: vscode.Position,
    ctx: vscode.InlineCompletionContext,
    token: vscode.CancellationToken,
  ): Promise<vscode.InlineCompletionItem[] | undefined> {
    if (!this.ctrl.activeFor(doc.languageId)) return undefined;
    const s = readSettings(doc);
    const restOfLine = doc.lineAt(pos.line).text.slice(pos.character);
    const editor = vscode.window.activeTextEditor;
    const quiet = quietReason({
      scheme: doc.uri.scheme,
      suggestWidget: ctx.selectedCompletionInfo !== undefined,
      selection: editor?.document === doc && editor.selections.some((x) => !x.isEmpty),
      restOfLine,
      maxRight: s.maxCharsRightOfCursor,
      trigger: s.trigger,
      explicit: ctx.triggerKind === vscode.InlineCompletionTriggerKind.Invoke,
    });
    if (quiet) {
      this.lastQuiet = { reason: quiet, uri: doc.uri.toString() };
      return undefined;
    }
    const req = this.latest.begin(token);
    if (ctx.triggerKind === vscode.InlineCompletionTriggerKind.Automatic && !(await debounce(s.debounceMs, token))) return undefined;
    if (req.cancelled()) return undefined;
    const completer = await this.ctrl.completer(doc);
    if (!completer || req.cancelled()) return undefined;
    const t0 = performance.now();
    const cursor = doc.offsetAt(pos);
    const res = await completer.complete(
      doc.uri.toString(),
      {
        cursor,
        read: (a, b) => doc.getText(new vscode.Range(doc.positionAt(a), doc.positionAt(b))),
      },
      req.cancelled,
    );
    if (!res || req.cancelled()) return undefined;
    const ms = performance.now() - t0;
    // never suggest again what already follows the cursor (`foo)` before a `)` is `foo`)
    const text = res.text === null ? null : withoutRepeat(res.text, restOfLine);
    this.ctrl.recordRequest(ms, text !== null, res.cold, res.text === null && res.stoppedBy === 'unsure' ? res.confidence : undefined);
    if (text === null) {
      if (res.text !== null) this.lastQuiet = { reason: 'repeat', uri: doc.uri.toString() };
      return undefined;
    }
    this.last = { text, ms, cold: res.cold, uri: doc.uri.toString() };
    const item = new vscode.InlineCompletionItem(text, new vscode.Range(pos, pos), {
      title: vscode.l10n.t('Accept'),
      command: ACCEPTED_COMMAND,
      arguments: [text.length],
    });
    return [item];
  }
}
