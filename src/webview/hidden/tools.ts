/**
 * The insight tools under the heatmap, one tab each: projector, saliency, ablation, probes, compare. Each tool gets
 * a `ToolCtx` (the panel's state and its text view) and owns its tab's elements; the maths runs in the inference
 * worker (src/worker/insight) and the pure helpers are ../shared/insight.ts.
 */
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import type { HiddenMeta, Signal, WebviewPanelRpc } from '../../protocol/webview';
import type { Rgb } from '../shared/colors';
import type { makeT } from '../shared/i18n';
import { el } from '../shared/rpc';
import type { TextView } from './textView';

export type T = ReturnType<typeof makeT>;

export interface ToolCtx {
  rpc: WebviewPanelRpc<'hidden'>;
  t: () => T;
  meta: () => HiddenMeta | undefined;
  layer: () => number;
  signal: () => Signal;
  unit: () => number;
  /** the current signal's values (T,H) */
  data: () => Float32Array | undefined;
  selectUnit: (u: number) => void;
  /** the units of the last Find cells */
  foundUnits: () => number[];
  text: TextView;
  /** draw the heatmap again (and what follows it) */
  redraw: () => void;
  background: () => Rgb;
  status: (text: string, isError?: boolean) => void;
}

export interface Tool {
  readonly id: string;
  readonly title: string;
  /** the tab's content */
  dom(): HTMLElement;
  /** a new read (new text or model): drop what was computed on the old one */
  reset(): void;
  /** the user clicked position t of the text view while this tab was open */
  pick?(t: number): void;
  /** the tab was opened */
  shown?(): void;
}

/** the tab strip; `onSelect(i)` when the user opens tab i */
export function toolTabs(tools: Tool[], onSelect: (i: number) => void): HTMLElement {
  const tabs = el('vscode-tabs', { id: 'tools', 'selected-index': '0' });
  for (const tool of tools) {
    // (vscode-tabs gives headers and panels ids of its own, for their aria links: ours are data attributes)
    tabs.append(el('vscode-tab-header', { slot: 'header', 'data-tab': tool.id }, tool.title));
    tabs.append(el('vscode-tab-panel', { 'data-panel': tool.id }, tool.dom()));
  }
  tabs.addEventListener('vsc-tabs-select', (e) => onSelect((e as CustomEvent<{ selectedIndex: number }>).detail.selectedIndex));
  return el('section', { class: 'tools' }, tabs);
}

/** a labelled field */
export function field(label: string, input: HTMLElement): HTMLElement {
  return el('label', { class: 'field' }, label, input);
}

/** run `fn` with `button` disabled and errors shown in the status line */
export async function busy(ctx: ToolCtx, button: HTMLElement & { disabled?: boolean }, working: string, fn: () => Promise<void>): Promise<void> {
  button.disabled = true;
  ctx.status(working);
  try {
    await fn();
  } catch (e) {
    ctx.status((e as Error).message, true);
  } finally {
    button.disabled = false;
  }
}

/** 1,234 */
export const int = (n: number): string => Math.round(n).toLocaleString('en-US');
