/**
 * What every Sequence Lab webview panel shares: HTML with a strict CSP (default-src 'none', script nonce,
 * only our dist/webview folder as a resource root), the typed RPC with host-side validation of every message,
 * rejection of pending requests when the panel closes, and no retainContextWhenHidden (the webview keeps its UI
 * state with getState/setState and asks again with its ready handshake when it comes back).
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { createHostRpc, validateFromWebview, type HostPanelRpc, type PanelKind } from '../../protocol/webview';
import { log } from '../log';

export const VIEW_TYPES: Record<PanelKind, string> = {
  dashboard: 'seqlab.dashboard',
  generate: 'seqlab.generate',
  hidden: 'seqlab.hiddenStates',
  forecast: 'seqlab.forecast',
};

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview')],
    enableFindWidget: true,
  };
}

export function nonce(): string { return randomBytes(18).toString('base64').replace(/[^A-Za-z0-9]/g, ''); }

/** The HTML of a panel whose bundle is dist/webview/<kind>.js (and .css). */
export function panelHtml(webview: vscode.Webview, extensionUri: vscode.Uri, kind: PanelKind, title: string): string {
  const n = nonce();
  const base = vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
  const js = webview.asWebviewUri(vscode.Uri.joinPath(base, `${kind}.js`));
  const css = webview.asWebviewUri(vscode.Uri.joinPath(base, `${kind}.css`));
  const src = webview.cspSource;
  const csp = [
    "default-src 'none'",
    `img-src ${src} data: blob:`,
    `style-src ${src}`,
    `font-src ${src}`,
    `script-src 'nonce-${n}'`,
  ].join('; ');
  const lang = vscode.env.language || 'en';
  return `<!DOCTYPE html>
<html lang="${escapeAttr(lang)}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${css}">
<title>${escapeAttr(title)}</title>
</head>
<body data-panel="${kind}">
<main id="app" aria-busy="true"></main>
<div id="status" role="status" aria-live="polite"></div>
<script nonce="${n}" src="${js}"></script>
</body>
</html>`;
}

/** text and attribute values in HTML, escaped */
export function escapeAttr(s: string): string { return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`); }

/**
 * Wires a webview to a typed host-side Rpc: every incoming message is validated first (invalid ones are answered
 * with an error, or dropped when they are not requests, and logged); the Rpc is disposed with the panel.
 */
export function attachRpc<P extends PanelKind>(kind: P, panel: vscode.WebviewPanel): HostPanelRpc<P> {
  const rpc = createHostRpc<P>({ postMessage: (m) => { void panel.webview.postMessage(m); } });
  const sub = panel.webview.onDidReceiveMessage((raw: unknown) => {
    let msg: unknown;
    try { msg = validateFromWebview(kind, raw); } catch (e) {
      log().warn(`[${kind} panel] rejected a message: ${(e as Error).message}`);
      const r = raw as { kind?: unknown; id?: unknown };
      if (r && typeof r === 'object' && r.kind === 'req' && typeof r.id === 'number') {
        void panel.webview.postMessage({ kind: 'res', id: r.id, ok: false, error: { message: (e as Error).message, code: 'invalid' } });
      }
      return;
    }
    rpc.receive(msg);
  });
  panel.onDidDispose(() => { sub.dispose(); rpc.dispose(vscode.l10n.t('The panel was closed.')); });
  return rpc;
}
