/**
 * How long activation took, for the activation test and the log: the esbuild banner stamps the moment the bundle
 * starts to load (wall clock, process CPU, and on Linux this thread's CPU); `activationTimes` measures from there.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

declare const __seqlabLoadStart: number | undefined;
declare const __seqlabLoadCpu: NodeJS.CpuUsage | undefined;
declare const __seqlabLoadThreadNs: number | undefined;

export interface ActivationTimes {
  /** ms spent inside activate() */
  activationMs: number;
  /** ms from the bundle starting to load to activate() being called (VS Code's "code loading"); undefined unbundled */
  codeLoadingMs?: number;
  /** CPU ms the extension-host process spent from the bundle starting to load to the end of activate() */
  activationCpuMs?: number;
  /** the same for the extension host's main thread alone (Linux: /proc/thread-self/schedstat); undefined elsewhere */
  activationThreadCpuMs?: number;
}

/** this thread's CPU time in ns (Linux), else undefined */
function threadCpuNs(): number | undefined {
  try {
    const v = Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]);
    return Number.isFinite(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** The times of an activation that called activate() at `t0` (performance.now()) and ends now. */
export function activationTimes(t0: number): ActivationTimes {
  const activationMs = performance.now() - t0;
  const codeLoadingMs = typeof __seqlabLoadStart === 'number' ? t0 - __seqlabLoadStart : undefined;
  const cpu = typeof __seqlabLoadCpu === 'object' ? process.cpuUsage(__seqlabLoadCpu) : undefined;
  const nowNs = typeof __seqlabLoadThreadNs === 'number' && Number.isFinite(__seqlabLoadThreadNs) ? threadCpuNs() : undefined;
  return {
    activationMs,
    codeLoadingMs,
    activationCpuMs: cpu ? (cpu.user + cpu.system) / 1000 : undefined,
    activationThreadCpuMs: nowNs !== undefined ? (nowNs - __seqlabLoadThreadNs!) / 1e6 : undefined,
  };
}
