/** What every command body shares: the workspace-trust check, choosing a model, and turning failures into one message. */
import * as vscode from 'vscode';
import { showFailure, showInfo } from './log';
import { userError, type ModelEntry, type ModelStore } from './modelStore';
import { statusText } from './modelsTree';
import { isEntry, type TrainOutcome } from './trainArgs';

export function requireTrust(store: ModelStore): void {
  if (store.blockedByTrust) {
    throw userError(
      vscode.l10n.t(
        'This workspace is in Restricted Mode, so Sequence Lab does not load or write models in it: model files from an untrusted folder could be crafted to attack the loaders. Trust the workspace to use its models.',
      ),
    );
  }
}

export async function resolveModel(
  store: ModelStore,
  ref: ModelEntry | string | undefined,
  filter: (e: ModelEntry) => boolean,
  title: string,
): Promise<ModelEntry | undefined> {
  if (isEntry(ref)) return (await store.get(ref.dir)) ?? ref;
  if (typeof ref === 'string') {
    const e = await store.get(ref);
    if (!e) throw userError(vscode.l10n.t('There is no model named "{0}".', ref));
    return e;
  }
  const all = (await store.list()).filter(filter);
  if (all.length === 0) {
    void showInfo(vscode.l10n.t('There are no models yet. Train one first.'));
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    all.map((e) => ({ label: e.name, description: statusText(e), entry: e })),
    { title },
  );
  return pick?.entry;
}

/** Runs a command body; user-facing errors become an error message (no stack) and an `{ error }` result. */
export async function guard<T>(fn: () => Promise<T>): Promise<T | TrainOutcome> {
  try {
    return await fn();
  } catch (e) {
    showFailure('', e);
    return { error: (e as Error).message };
  }
}

/** The base of a group of commands on the models of `store`: the three helpers every command body uses. */
export abstract class CommandGroup {
  constructor(protected readonly store: ModelStore) {}

  protected requireTrust(): void {
    requireTrust(this.store);
  }

  protected resolveModel(ref: ModelEntry | string | undefined, filter: (e: ModelEntry) => boolean, title: string): Promise<ModelEntry | undefined> {
    return resolveModel(this.store, ref, filter, title);
  }

  protected guard<T>(fn: () => Promise<T>): Promise<T | TrainOutcome> {
    return guard(fn);
  }
}
