/**
 * Reading another process's CPU time and memory from /proc (Linux only):
 * `/proc/<pid>/stat` for user and system CPU time, `/proc/<pid>/status` for
 * the resident set size. No IPC with the process measured.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** CPU time and memory of a process at one instant. */
export interface ProcSample {
  /** When it was read, in ms of `performance.now()`. */
  readonly at: number;
  /** User CPU time so far, in seconds (resolution: one clock tick, usually 10 ms). */
  readonly userS: number;
  /** System (kernel) CPU time so far, in seconds (same resolution). */
  readonly systemS: number;
  /**
   * CPU time so far, all threads, in seconds, at nanosecond resolution: the
   * sum of `/proc/<pid>/task/<tid>/schedstat` (time on a CPU); the ticks of
   * user + system when schedstat is not available.
   */
  readonly cpuS: number;
  /** Resident set size now, in MB of 10^6 bytes (VmRSS). */
  readonly rssMB: number;
  /** Peak resident set size so far, in MB of 10^6 bytes (VmHWM). */
  readonly peakRssMB: number;
}

let clockTicks: number | undefined;

/** Clock ticks per second of /proc/<pid>/stat times (`getconf CLK_TCK`; 100 when that fails). */
export function clockTicksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
      clockTicks = Number.isInteger(n) && n > 0 ? n : 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

function statusKiB(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
  return match ? Number(match[1]) : Number.NaN;
}

/**
 * Reads `/proc/<pid>/stat` and `/proc/<pid>/status`.
 * @param ticksPerSecond from `clockTicksPerSecond()` (pass it: it runs a program the first time).
 * @throws when the process does not exist (any more) or /proc is not there.
 */
export function sampleProcess(pid: number, ticksPerSecond: number): ProcSample {
  const at = performance.now();
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces and parentheses: split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime is field 14, stime field 15.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const userS = utime / ticksPerSecond;
  const systemS = stime / ticksPerSecond;
  return {
    at,
    userS,
    systemS,
    cpuS: schedCpuS(pid) ?? userS + systemS,
    rssMB: (statusKiB(status, 'VmRSS') * 1024) / 1e6,
    peakRssMB: (statusKiB(status, 'VmHWM') * 1024) / 1e6,
  };
}

/**
 * `sampleProcess(pid)` with this system's clock ticks, or null when the
 * process is gone or /proc cannot be read (a measurement then reports n/a).
 */
export function trySampleProcess(pid: number): ProcSample | null {
  try {
    return sampleProcess(pid, clockTicksPerSecond());
  } catch {
    return null;
  }
}

/** Time on a CPU of every thread of `pid`, in s, from schedstat; null when not available. */
function schedCpuS(pid: number): number | null {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // the thread ended meanwhile
      }
    }
    return Number.isFinite(ns) && ns > 0 ? ns / 1e9 : null;
  } catch {
    return null;
  }
}

/** CPU used between two samples of one process. */
export interface CpuDelta {
  /** User CPU time, in seconds. */
  readonly userS: number;
  /** System CPU time, in seconds. */
  readonly systemS: number;
  /** Wall-clock time between the samples, in seconds. */
  readonly wallS: number;
  /** CPU time of all threads (schedstat, ns resolution), in seconds. */
  readonly cpuS: number;
  /** cpuS / wall × 100: 100 = one core busy the whole time. */
  readonly percentOfCore: number;
}

/** The CPU used from `before` to `after` (samples of the same process). */
export function cpuBetween(before: ProcSample, after: ProcSample): CpuDelta {
  const userS = after.userS - before.userS;
  const systemS = after.systemS - before.systemS;
  const wallS = (after.at - before.at) / 1000;
  const cpuS = after.cpuS - before.cpuS;
  return { userS, systemS, wallS, cpuS, percentOfCore: wallS > 0 ? (cpuS / wallS) * 100 : 0 };
}
