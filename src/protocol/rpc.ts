/**
 * A small typed RPC over any message port (worker_threads Worker/parentPort, a webview, a MessagePort).
 * Requests get a response or a rejection; events are fire-and-forget. Pending requests reject when the
 * other side goes away (`dispose(reason)`), or on timeout.
 *
 * Wire format: { kind: 'req', id, method, params } | { kind: 'res', id, ok, result | error } | { kind: 'evt', method, params }
 */
export interface Port {
  postMessage(msg: unknown): void;
}

export type WireMessage =
  | { kind: 'req'; id: number; method: string; params: unknown }
  | { kind: 'res'; id: number; ok: true; result: unknown }
  | { kind: 'res'; id: number; ok: false; error: { message: string; code?: string } }
  | { kind: 'evt'; method: string; params: unknown };

/** An error that came across the boundary; `code` 'user' marks a user-facing message (no stack trace to show). */
export class RemoteError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'RemoteError';
  }
}

type Handler = (params: unknown) => unknown | Promise<unknown>;

/**
 * `Req` maps request method names to [params, result]; `Evt` maps event names to params.
 * One side's outgoing maps are the other side's incoming maps.
 */
export class Rpc<
  OutReq extends Record<string, [unknown, unknown]>,
  OutEvt extends Record<string, unknown>,
  InReq extends Record<string, [unknown, unknown]>,
  InEvt extends Record<string, unknown>,
> {
  private nextId = 1;
  private pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer?: ReturnType<typeof setTimeout> }>();
  private handlers = new Map<string, Handler>();
  private listeners = new Map<string, Set<(p: unknown) => void>>();
  private closed: string | null = null;

  constructor(
    private readonly port: Port,
    private readonly defaultTimeoutMs = 0,
  ) {}

  request<M extends keyof OutReq & string>(method: M, params: OutReq[M][0], timeoutMs = this.defaultTimeoutMs): Promise<OutReq[M][1]> {
    if (this.closed !== null) return Promise.reject(new Error(this.closed));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const entry: { resolve: (v: unknown) => void; reject: (e: Error) => void; timer?: ReturnType<typeof setTimeout> } = {
        resolve: resolve as (v: unknown) => void,
        reject,
      };
      if (timeoutMs > 0) {
        entry.timer = setTimeout(() => {
          this.pending.delete(id);
          reject(new Error(`'${method}' timed out after ${timeoutMs} ms`));
        }, timeoutMs);
      }
      this.pending.set(id, entry);
      this.port.postMessage({ kind: 'req', id, method, params } satisfies WireMessage);
    });
  }

  notify<M extends keyof OutEvt & string>(method: M, params: OutEvt[M]): void {
    if (this.closed !== null) return;
    this.port.postMessage({ kind: 'evt', method, params } satisfies WireMessage);
  }

  handle<M extends keyof InReq & string>(method: M, fn: (params: InReq[M][0]) => InReq[M][1] | Promise<InReq[M][1]>): void {
    this.handlers.set(method, fn as Handler);
  }

  on<M extends keyof InEvt & string>(method: M, fn: (params: InEvt[M]) => void): { dispose(): void } {
    let set = this.listeners.get(method);
    if (!set) this.listeners.set(method, (set = new Set()));
    set.add(fn as (p: unknown) => void);
    return { dispose: () => set!.delete(fn as (p: unknown) => void) };
  }

  /** Feed every message received from the port here. Unknown shapes are ignored (and reported by the return value). */
  receive(raw: unknown): boolean {
    if (!isWire(raw)) return false;
    const msg = raw;
    if (msg.kind === 'res') {
      const p = this.pending.get(msg.id);
      if (!p) return true;
      this.pending.delete(msg.id);
      if (p.timer) clearTimeout(p.timer);
      if (msg.ok) p.resolve(msg.result);
      else p.reject(new RemoteError(msg.error.message, msg.error.code));
    } else if (msg.kind === 'evt') {
      for (const fn of this.listeners.get(msg.method) ?? []) fn(msg.params);
    } else {
      const h = this.handlers.get(msg.method);
      const reply = (m: WireMessage) => {
        if (this.closed === null) this.port.postMessage(m);
      };
      if (!h) {
        reply({ kind: 'res', id: msg.id, ok: false, error: { message: `unknown method '${msg.method}'` } });
        return true;
      }
      Promise.resolve()
        .then(() => h(msg.params))
        .then(
          (result) => reply({ kind: 'res', id: msg.id, ok: true, result }),
          (e: unknown) => reply({ kind: 'res', id: msg.id, ok: false, error: errorToWire(e) }),
        );
    }
    return true;
  }

  /** The other side is gone: reject everything pending with `reason`. */
  dispose(reason = 'connection closed'): void {
    if (this.closed !== null) return;
    this.closed = reason;
    for (const [, p] of this.pending) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(new Error(reason));
    }
    this.pending.clear();
  }

  get isClosed(): boolean {
    return this.closed !== null;
  }
}

function isWire(m: unknown): m is WireMessage {
  if (typeof m !== 'object' || m === null) return false;
  const k = (m as { kind?: unknown }).kind;
  if (k === 'evt') return typeof (m as { method?: unknown }).method === 'string';
  if (k === 'req') return typeof (m as { method?: unknown }).method === 'string' && typeof (m as { id?: unknown }).id === 'number';
  if (k === 'res') return typeof (m as { id?: unknown }).id === 'number' && typeof (m as { ok?: unknown }).ok === 'boolean';
  return false;
}

/** Errors marked `userFacing` (e.g. data errors) cross as code 'user'. */
export function errorToWire(e: unknown): { message: string; code?: string } {
  if (e instanceof Error) {
    const code = (e as { userFacing?: boolean }).userFacing || e.name === 'DataError' ? 'user' : (e as { code?: string }).code;
    return { message: e.message, code: typeof code === 'string' ? code : undefined };
  }
  return { message: String(e) };
}
