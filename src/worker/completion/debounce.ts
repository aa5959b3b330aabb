/**
 * Debounce and cancellation for the completion provider, over a minimal token shape that VS Code's
 * CancellationToken satisfies (so this file needs no vscode import and is tested in Node).
 */
export interface CancelToken {
  readonly isCancellationRequested: boolean;
  onCancellationRequested(listener: () => unknown): { dispose(): unknown };
}

/**
 * Waits `ms` unless the token is cancelled first. Resolves true when the wait ran to the end and nobody
 * cancelled, false otherwise. Never rejects; `ms <= 0` still yields to the event loop once.
 */
export function debounce(ms: number, token?: CancelToken): Promise<boolean> {
  if (token?.isCancellationRequested) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(
      () => {
        sub?.dispose();
        resolve(!token?.isCancellationRequested);
      },
      Math.max(0, ms),
    );
    const sub = token?.onCancellationRequested(() => {
      clearTimeout(timer);
      sub?.dispose();
      resolve(false);
    });
  });
}

/**
 * The newest request wins: `begin()` supersedes every request begun before it. A superseded request sees
 * `cancelled()` true from then on, even if VS Code has not cancelled its own token (yet).
 */
export class LatestOnly {
  private generation = 0;
  begin(token?: CancelToken): { cancelled(): boolean } {
    const mine = ++this.generation;
    return { cancelled: () => mine !== this.generation || !!token?.isCancellationRequested };
  }
}

/** A token source for tests and for work started outside a provider call. */
export class SimpleCancelSource {
  private listeners: (() => unknown)[] = [];
  private cancelledFlag = false;
  readonly token: CancelToken;
  constructor() {
    const src = this; // eslint-disable-line @typescript-eslint/no-this-alias -- the token reads the source's flag
    this.token = {
      get isCancellationRequested() {
        return src.cancelledFlag;
      },
      onCancellationRequested: (l) => {
        src.listeners.push(l);
        return {
          dispose: () => {
            src.listeners = src.listeners.filter((x) => x !== l);
          },
        };
      },
    };
  }
  cancel(): void {
    if (this.cancelledFlag) return;
    this.cancelledFlag = true;
    for (const l of [...this.listeners]) l();
  }
}

/** A promise chain that runs tasks one at a time, in order (model calls share one cache). */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(task: () => Promise<T>): Promise<T> {
    const next = this.tail.then(task, task);
    this.tail = next.catch(() => undefined);
    return next;
  }
}
