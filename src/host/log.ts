/** The "Sequence Lab" LogOutputChannel (its lines are coloured by syntaxes/seqlab-log.tmLanguage.json), plus
 *  user-facing messages that tests can observe. */
import * as vscode from 'vscode';

let channel: vscode.LogOutputChannel | undefined;

export function log(): vscode.LogOutputChannel {
  if (!channel) channel = vscode.window.createOutputChannel(vscode.l10n.t('Sequence Lab'), { log: true });
  return channel;
}

export function disposeLog(): void {
  channel?.dispose();
  channel = undefined;
}

export interface ShownMessage {
  level: 'info' | 'warning' | 'error';
  text: string;
  at: number;
}
/** The last messages shown to the user (newest last); read by the integration tests. */
export const shownMessages: ShownMessage[] = [];

function remember(level: ShownMessage['level'], text: string): void {
  shownMessages.push({ level, text, at: Date.now() });
  if (shownMessages.length > 50) shownMessages.shift();
}

export function showError(text: string, ...items: string[]): Thenable<string | undefined> {
  remember('error', text);
  log().error(text);
  return vscode.window.showErrorMessage(text, ...items);
}

export function showWarning(text: string, ...items: string[]): Thenable<string | undefined> {
  remember('warning', text);
  log().warn(text);
  return vscode.window.showWarningMessage(text, ...items);
}

export function showInfo(text: string, ...items: string[]): Thenable<string | undefined> {
  remember('info', text);
  log().info(text);
  return vscode.window.showInformationMessage(text, ...items);
}

/** Errors marked user-facing (RemoteError code 'user', DataError, UserError) show their message alone;
 *  anything else is a bug: message shown, stack logged. */
export function showFailure(prefix: string, e: unknown): void {
  const err = e instanceof Error ? e : new Error(String(e));
  const userFacing = (err as { code?: string }).code === 'user' || (err as { userFacing?: boolean }).userFacing === true || err.name === 'DataError';
  if (!userFacing && err.stack) log().error(err.stack);
  void showError(prefix ? `${prefix} ${err.message}` : err.message);
}
