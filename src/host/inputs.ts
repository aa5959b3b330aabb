/** Pre-checks on training input, so obvious bad input fails fast with a plain message and creates no model. */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { FORECAST_COMMANDS } from './commandIds';
import { userError } from './modelStore';

const CSV = /\.(csv|tsv)$/i;

export function isCsv(file: string): boolean {
  return CSV.test(file);
}

export function csvNotAvailable(file: string): Error {
  return userError(
    vscode.l10n.t('{0} is a CSV file: train a forecasting model on it on its own with "Forecast CSV…" (text models train on text files).', path.basename(file)),
  );
}

/**
 * "Train Model on …" with one CSV file goes to the forecasting flow (seqlab.forecastCsv, src/host/forecast) instead
 * of text training. Returns that command's promise, or undefined when the input is not a single CSV file.
 * Options that mean the same there (steps, minutes, name, cell lstm/gru, notify) are passed on.
 */
export function csvRoute(a?: unknown, b?: unknown): Promise<unknown> | undefined {
  let files: string[] = [];
  const o = a && typeof a === 'object' && !(a instanceof vscode.Uri) ? (a as Record<string, unknown>) : undefined;
  if (Array.isArray(b) && b.length > 0 && b.every((u) => u instanceof vscode.Uri)) files = (b as vscode.Uri[]).map((u) => u.fsPath);
  else if (a instanceof vscode.Uri) files = [a.fsPath];
  else if (o) files = [...(Array.isArray(o.files) ? o.files : []), ...(o.file ? [o.file] : [])].map((f) => (f instanceof vscode.Uri ? f.fsPath : String(f)));
  if (files.length !== 1 || !isCsv(files[0]!)) return undefined;
  const pass: Record<string, unknown> = { file: files[0] };
  for (const k of ['steps', 'minutes', 'name', 'notify'] as const) if (o?.[k] !== undefined) pass[k] = o[k];
  if (o?.cell === 'lstm' || o?.cell === 'gru') pass.cell = o.cell;
  return Promise.resolve(vscode.commands.executeCommand(FORECAST_COMMANDS.forecastCsv, pass));
}

/** Checks one file or folder given as training data. */
export async function checkSource(p: string): Promise<void> {
  let st;
  try {
    st = await fsp.stat(p);
  } catch {
    throw userError(vscode.l10n.t('{0} does not exist.', p));
  }
  if (st.isDirectory()) return;
  if (isCsv(p)) throw csvNotAvailable(p);
  if (st.size === 0) throw userError(vscode.l10n.t('{0} is empty: there is nothing to train on.', path.basename(p)));
  const fh = await fsp.open(p, 'r');
  try {
    const buf = Buffer.alloc(Math.min(8192, st.size));
    await fh.read(buf, 0, buf.length, 0);
    if (looksBinary(buf)) throw userError(vscode.l10n.t('{0} looks like a binary file, not text. Choose a text file to train on.', path.basename(p)));
  } finally {
    await fh.close();
  }
}

/** NUL bytes, or many control characters, mean binary. */
export function looksBinary(buf: Uint8Array): boolean {
  let ctrl = 0;
  for (const b of buf) {
    if (b === 0) return true;
    if (b < 9 || (b > 13 && b < 32)) ctrl++;
  }
  return buf.length > 0 && ctrl / buf.length > 0.1;
}

export function checkSelectionText(text: string): void {
  if (text.length === 0) throw userError(vscode.l10n.t('The selection is empty. Select some text to train on.'));
  if (text.includes('\u0000')) throw userError(vscode.l10n.t('The selection contains binary data (NUL characters), not text.'));
}
