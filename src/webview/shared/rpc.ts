/**
 * The webview side of the panel RPC: posts through acquireVsCodeApi().postMessage, receives window 'message'
 * events, and keeps the panel's UI state with getState/setState (restored after a reload).
 */
import { createWebviewRpc, type PanelKind, type WebviewPanelRpc } from '../../protocol/webview';

interface VsCodeApi {
  postMessage(msg: unknown): void;
  getState(): unknown;
  setState(s: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

export const vscodeApi: VsCodeApi = acquireVsCodeApi();

export function connect<P extends PanelKind>(): WebviewPanelRpc<P> {
  const rpc = createWebviewRpc<P>({ postMessage: (m) => vscodeApi.postMessage(m) });
  window.addEventListener('message', (e: MessageEvent) => rpc.receive(e.data));
  return rpc;
}

export function getState<T extends object>(def: T): T {
  const s = vscodeApi.getState();
  return s && typeof s === 'object' ? { ...def, ...(s as Partial<T>) } : def;
}
export function setState<T extends object>(s: T): void {
  vscodeApi.setState(s);
}

/** theme background as RGB (for colour scales), and whether it is dark */
export function themeBackground(): { rgb: [number, number, number]; dark: boolean } {
  const cls = document.body.classList;
  const css = getComputedStyle(document.body).getPropertyValue('--vscode-editor-background').trim();
  const m = /^#([0-9a-f]{6})/i.exec(css);
  const rgb: [number, number, number] = m
    ? ([0, 2, 4].map((i) => parseInt(m[1].slice(i, i + 2), 16)) as [number, number, number])
    : cls.contains('vscode-light') || cls.contains('vscode-high-contrast-light')
      ? [255, 255, 255]
      : [30, 30, 30];
  const dark = (0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]) / 255 < 0.5;
  return { rgb, dark };
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Record<string, string>, ...children: (Node | string)[]): HTMLElementTagNameMap[K];
export function el(tag: string, attrs?: Record<string, string>, ...children: (Node | string)[]): HTMLElement;
export function el(tag: string, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

export function $(id: string): HTMLElement {
  const e = document.getElementById(id);
  if (!e) throw new Error(`#${id} is missing`);
  return e;
}

/** show a message in the panel's status line (role=status, so screen readers hear it) */
export function status(text: string, isError = false): void {
  const s = document.getElementById('status');
  if (!s) return;
  s.textContent = text;
  s.classList.toggle('error', isError);
}
