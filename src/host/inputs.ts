/** Pre-checks on training input, so obvious bad input fails fast with a plain message and creates no model. */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { userError } from './modelStore';

const CSV = /\.(csv|tsv)$/i;

export function isCsv(file: string): boolean { return CSV.test(file); }

export function csvNotAvailable(file: string): Error {
  return userError(vscode.l10n.t('{0} is a CSV file. Training forecasting models on CSV time series is not available yet in Sequence Lab; only text files can be trained on for now.', path.basename(file)));
}

/** Checks one file or folder given as training data. */
export async function checkSource(p: string): Promise<void> {
  let st;
  try { st = await fsp.stat(p); } catch { throw userError(vscode.l10n.t('{0} does not exist.', p)); }
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
