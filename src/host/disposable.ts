/**
 * The one Disposable base of the host: what an object subscribes to is pushed on `subs` (or passed to `own`) and
 * released once, in reverse order, by `dispose()`. Subclasses that hold more (timers, emitters, sessions) release it
 * in their own `dispose()` and then call `super.dispose()`.
 */
import type * as vscode from 'vscode';

export abstract class Disposable implements vscode.Disposable {
  protected readonly subs: vscode.Disposable[] = [];
  private disposed = false;

  /** Keep `d` until this object is disposed (at once, when it already is). */
  protected own<T extends vscode.Disposable>(d: T): T {
    if (this.disposed) d.dispose();
    else this.subs.push(d);
    return d;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const d of this.subs.splice(0).reverse()) {
      try {
        d.dispose();
      } catch {
        /* one failing disposable must not keep the others alive */
      }
    }
  }
}
