/** Model choices for the panels' pickers, and resolving what a webview or a command names as a model. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ModelChoice } from '../../protocol/webview';
import type { ModelEntry, ModelStore } from '../modelStore';

const USABLE = new Set(['complete', 'stopped', 'interrupted', 'training']);

export function isTextModel(e: ModelEntry): boolean {
  return USABLE.has(e.status) && (e.hasOnnx || e.hasCheckpoint) && (e.card?.config.kind ?? 'char') === 'char';
}

export function describeModel(e: ModelEntry): string {
  const c = e.card?.config;
  const parts: string[] = [];
  if (c) parts.push(`${c.cell.toUpperCase()} ${c.layers}×${c.hidden}`);
  if (e.card?.bestValBpc !== null && e.card?.bestValBpc !== undefined) parts.push(vscode.l10n.t('{0} bits/char', e.card.bestValBpc.toFixed(2)));
  if (e.status !== 'complete') parts.push(e.status);
  return parts.join(' · ');
}

export async function textModels(store: ModelStore): Promise<ModelChoice[]> {
  if (store.blockedByTrust) return [];
  const all = await store.list();
  return all.filter(isTextModel).map((e) => ({ id: e.dir, name: e.name, detail: describeModel(e) }));
}

/** Accepts a ModelEntry (tree context menu), a model name, or a folder; returns the folder when it is a listed text model. */
export async function resolveModelRef(store: ModelStore, ref: unknown): Promise<string | undefined> {
  let key: string | undefined;
  if (ref && typeof ref === 'object' && typeof (ref as ModelEntry).dir === 'string') key = (ref as ModelEntry).dir;
  else if (typeof ref === 'string' && ref) key = ref;
  if (!key) return undefined;
  const models = await textModels(store);
  const hit = models.find((m) => m.id === key || m.name === key || path.resolve(m.id) === path.resolve(key));
  return hit?.id;
}

/** The model a webview asked for must be one we listed for it: never an arbitrary path. */
export async function checkedModel(store: ModelStore, id: string): Promise<string> {
  const models = await textModels(store);
  const hit = models.find((m) => m.id === id);
  if (!hit) throw Object.assign(new Error(vscode.l10n.t('That model is not available any more. Pick another one.')), { code: 'user' });
  return hit.id;
}
