/**
 * The stable InlineCompletionItemProvider: debounced (`seqlab.completion.debounceMs`, not for explicit triggers),
 * cancelled by VS Code's token and by any newer request, and only when the rest of the line is empty or closes
 * things. The model work happens in Completer (async onnxruntime calls, cancellation checked between calls).
 * Latency is measured from the end of the debounce to the items (the debounce is a deliberate wait).
 */
import * as vscode from 'vscode';
import { COMPLETION_COMMANDS } from '../commandIds';
import { suggestsAt } from '../../worker/completion/completer';
import type { CompletionController } from './controller';
import { debounce, LatestOnly } from '../../worker/completion/debounce';
import { readSettings } from './settings';

export const ACCEPTED_COMMAND = COMPLETION_COMMANDS.accepted;

export class SeqlabInlineProvider implements vscode.InlineCompletionItemProvider {
  private readonly latest = new LatestOnly();
  /** the last suggestion returned (tests and diagnostics) */
  last?: { text: string; ms: number; cold: boolean; uri: string };

  constructor(private readonly ctrl: CompletionController) {}

  async provideInlineCompletionItems(
    doc: vscode.TextDocument,
    pos: vscode.Position,
    ctx: vscode.InlineCompletionContext,
    token: vscode.CancellationToken,
  ): Promise<vscode.InlineCompletionItem[] | undefined> {
    if (!this.ctrl.activeFor(doc.languageId)) return undefined;
    if (ctx.selectedCompletionInfo) return undefined; // the suggest widget is open: its item is what the user is looking at
    if (!suggestsAt(doc.lineAt(pos.line).text.slice(pos.character))) return undefined;
    const req = this.latest.begin(token);
    const s = readSettings(doc);
    if (ctx.triggerKind === vscode.InlineCompletionTriggerKind.Automatic && !(await debounce(s.debounceMs, token))) return undefined;
    if (req.cancelled()) return undefined;
    const completer = await this.ctrl.completer();
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
    this.ctrl.recordRequest(ms, res.text !== null, res.cold);
    if (res.text === null) return undefined;
    this.last = { text: res.text, ms, cold: res.cold, uri: doc.uri.toString() };
    const item = new vscode.InlineCompletionItem(res.text, new vscode.Range(pos, pos), {
      title: vscode.l10n.t('Accept'),
      command: ACCEPTED_COMMAND,
      arguments: [res.text.length],
    });
    return [item];
  }
}
