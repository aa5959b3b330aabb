export interface Tile { MR: number; NV: number; KC: number; MC: number; U?: number; FMA?: boolean }
export const DEFAULT_TILE: Tile;
export function genWat(tile?: Tile): string;
export function assemble(wat: string, name?: string): Promise<Uint8Array>;
