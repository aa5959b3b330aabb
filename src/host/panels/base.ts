/**
 * What every Sequence Lab webview panel shares: HTML with a strict CSP (default-src 'none', script nonce,
 * only our dist/webview folder as a resource root), the typed RPC with host-side validation of every message,
 * rejection of pending requests when the panel closes, and no retainContextWhenHidden (the webview keeps its UI
 * state with getState/setState and asks again with its ready handshake when it comes back).
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { createHostRpc, validateFromWebview, type HostPanelRpc, type PanelKind } from '../../protocol/webview';
import { Disposable } from '../disposable';
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

export function nonce(): string {
  return randomBytes(18)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, '');
}

/** The HTML of a panel whose bundle is dist/webview/<kind>.js (and .css). */
export function panelHtml(webview: vscode.Webview, extensionUri: vscode.Uri, kind: PanelKind, title: string): string {
  const n = nonce();
  const base = vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
  const js = webview.asWebviewUri(vscode.Uri.joinPath(base, `${kind}.js`));
  const css = webview.asWebviewUri(vscode.Uri.joinPath(base, `${kind}.css`));
  const src = webview.cspSource;
  const csp = ["default-src 'none'", `img-src ${src} data: blob:`, `style-src ${src}`, `font-src ${src}`, `script-src 'nonce-${n}'`].join('; ');
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
export function escapeAttr(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Wires a webview to a typed host-side Rpc: every incoming message is validated first (invalid ones are answered
 * with an error, or dropped when they are not requests, and logged); the Rpc is disposed with the panel.
 */
export function attachRpc<P extends PanelKind>(kind: P, panel: vscode.WebviewPanel): HostPanelRpc<P> {
  const rpc = createHostRpc<P>({
    postMessage: (m) => {
      void panel.webview.postMessage(m);
    },
  });
  const sub = panel.webview.onDidReceiveMessage((raw: unknown) => {
    let msg: unknown;
    try {
      msg = validateFromWebview(kind, raw);
    } catch (e) {
      log().warn(`[${kind} panel] rejected a message: ${(e as Error).message}`);
      const r = raw as { kind?: unknown; id?: unknown };
      if (r && typeof r === 'object' && r.kind === 'req' && typeof r.id === 'number') {
        void panel.webview.postMessage({ kind: 'res', id: r.id, ok: false, error: { message: (e as Error).message, code: 'invalid' } });
      }
      return;
    }
    rpc.receive(msg);
  });
  panel.onDidDispose(() => {
    sub.dispose();
    rpc.dispose(vscode.l10n.t('The panel was closed.'));
  });
  return rpc;
}

/**
 * One webview panel of kind P: the icon, the HTML, the typed Rpc, and its subscriptions released when the user
 * closes it. A subclass registers its Rpc handlers in its constructor and releases anything else in `closed()`.
 */
export abstract class Panel<P extends PanelKind> extends Disposable {
  readonly rpc: HostPanelRpc<P>;

  protected constructor(
    readonly kind: P,
    readonly panel: vscode.WebviewPanel,
    protected readonly extensionUri: vscode.Uri,
    private readonly htmlTitle: string,
  ) {
    super();
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'seqlab.svg');
    this.load();
    this.rpc = attachRpc(kind, panel);
    panel.onDidDispose(() => {
      this.closed();
      this.dispose();
    });
  }

  /** (Re)load the webview: a new invocation starts it afresh, and it asks for its data with its ready handshake. */
  protected load(): void {
    this.panel.webview.html = panelHtml(this.panel.webview, this.extensionUri, this.kind, this.htmlTitle);
  }

  /** The user closed the panel: release what is not in `subs` (in-flight requests, leases). */
  protected closed(): void {}
}

/** The one open panel of a kind (dashboard, generate, hidden): `open` reveals or creates it, `revive` restores one. */
export class PanelSlot<T extends Panel<PanelKind>> {
  current: T | undefined;

  constructor(
    private readonly kind: PanelKind,
    private readonly column: vscode.ViewColumn = vscode.ViewColumn.Beside,
  ) {}

  /** The open panel after `reuse(it)`, or a new one made by `create` in a new webview panel titled `title`. */
  open(extensionUri: vscode.Uri, title: string, create: (panel: vscode.WebviewPanel) => T, reuse: (current: T) => void): T {
    if (this.current) {
      reuse(this.current);
      this.current.panel.reveal(undefined, false);
      return this.current;
    }
    const options = webviewOptions(extensionUri);
    return this.adopt(create(vscode.window.createWebviewPanel(VIEW_TYPES[this.kind], title, { viewColumn: this.column, preserveFocus: false }, options)));
  }

  /** Take over a panel VS Code restored after a reload (its WebviewPanelSerializer). */
  revive(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, create: (panel: vscode.WebviewPanel) => T): T {
    this.current?.panel.dispose();
    panel.webview.options = webviewOptions(extensionUri);
    return this.adopt(create(panel));
  }

  private adopt(p: T): T {
    this.current = p;
    p.panel.onDidDispose(() => {
      if (this.current === p) this.current = undefined;
    });
    return p;
  }
}
