/** Path of the generated module with the kernels' bytes. */
export const OUT: string;
/** The TS source of src/engine/wasm/kernels-bytes.ts for the current generator. */
export function kernelsModuleSource(): Promise<string>;
/** Regenerate src/engine/wasm/kernels-bytes.ts if it changed. */
export function buildWasm(): Promise<void>;
