/** Shared helpers for the integration tests (bundled into each test file; state lives in the extension). */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SeqlabApi } from '../../src/extension';

export const EXTENSION_ID = 'seqlab.seqlab';

export async function api(): Promise<SeqlabApi> {
  const ext = vscode.extensions.getExtension<SeqlabApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
  return ext.activate();
}

export function workspaceDir(): string {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'the integration tests need a workspace folder');
  return f.uri.fsPath;
}

export function fixture(name: string): string {
  return path.join(workspaceDir(), name);
}

export async function waitFor<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export function modelDirs(root: string): string[] {
  try {
    return fs
      .readdirSync(root)
      .filter((n) => fs.statSync(path.join(root, n)).isDirectory())
      .sort();
  } catch {
    return [];
  }
}

/** Messages shown to the user since `since` (an index into api.messages). */
export function messagesSince(a: SeqlabApi, since: number): string[] {
  return a.messages.slice(since).map((m) => `${m.level}: ${m.text}`);
}

/**
 * A small trained text model in the default models folder, named `name`, for the files that need one to work on:
 * trained here when it is not there yet (a few seconds), so no test file depends on another having run before it.
 */
export async function trainedModel(name = 'it-base'): Promise<string> {
  const dir = path.join(workspaceDir(), '.seqlab', 'models', name);
  if (fs.existsSync(path.join(dir, 'card.json')) && fs.existsSync(path.join(dir, 'model.onnx'))) return dir;
  const out = await vscode.commands.executeCommand<{ error?: string; modelDir?: string }>('seqlab.train', {
    file: fixture('tiny.txt'),
    cell: 'lstm',
    preset: 'tiny',
    steps: 60,
    name,
    notify: false,
    options: { evalEvery: 30, sampleChars: 0 },
  });
  assert.equal(out.error, undefined, out.error);
  assert.equal(out.modelDir, dir);
  return dir;
}
