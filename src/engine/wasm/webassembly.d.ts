/**
 * The part of the WebAssembly JS API the engine uses. TypeScript declares WebAssembly only in its DOM library, which
 * the Node-side config (tsconfig.json) leaves out so that nothing outside src/webview can use the DOM by accident;
 * Node has the same API as the browser. (The webview config, with the DOM library, does not include the engine.)
 */
declare namespace WebAssembly {
  type BufferSourceLike = ArrayBuffer | ArrayBufferView;
  type ImportValue = Memory | Global | number;
  type Imports = Record<string, Record<string, ImportValue>>;
  class Module {
    constructor(bytes: BufferSourceLike);
  }
  class Memory {
    constructor(descriptor: { initial: number; maximum?: number; shared?: boolean });
    readonly buffer: ArrayBuffer | SharedArrayBuffer;
    grow(delta: number): number;
  }
  class Global {
    constructor(descriptor: { value: 'i32' | 'i64' | 'f32' | 'f64'; mutable?: boolean }, value?: number);
    value: number;
  }
  class Instance {
    constructor(module: Module, imports?: Imports);
    readonly exports: Record<string, unknown>;
  }
  function validate(bytes: BufferSourceLike): boolean;
}
type BufferSource = ArrayBuffer | ArrayBufferView;
