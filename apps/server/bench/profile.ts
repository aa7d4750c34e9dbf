/**
 * Where a profiled process spent its time: self time per function from a
 * V8 `.cpuprofile` (written by `node --cpu-prof`), heaviest first.
 */
import { readFileSync } from 'node:fs';

/** One function's share of the samples. */
export interface ProfileEntry {
  /** Function name (`(anonymous)`, `(garbage collector)`, `(program)`, `(idle)` …). */
  readonly name: string;
  /** `file:line` of the function (file name only), or '' for V8's pseudo-functions. */
  readonly where: string;
  /** Self time, in ms. */
  readonly selfMs: number;
  /** Self time, in % of the time not idle. */
  readonly percent: number;
}

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: CpuProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
}

/** Self time of a group of functions. */
export interface ProfileGroup {
  /** What the group is (see `groupOf`). */
  readonly group: string;
  /** Self time, in ms. */
  readonly selfMs: number;
  /** Self time, in % of the time not idle. */
  readonly percent: number;
}

/**
 * A rough grouping by where a function lives: this project's relay code
 * (apps/server/dist), its protocol codec (packages/protocol), Node's own
 * JavaScript (node: URLs: dgram, dns lookup, events, timers …), the garbage
 * collector, and native code without a JavaScript frame ('(program)': libuv,
 * the receive path; V8 builtins such as TextDecoder and RegExp, whatever called them).
 */
function groupOf(name: string, url: string): string {
  if (name === '(garbage collector)') return 'garbage collector';
  if (url.includes('/packages/protocol/')) return 'protocol codec (packages/protocol)';
  if (url.includes('/apps/server/')) return 'relay code (apps/server)';
  if (url.includes('internal/encoding')) return 'V8/Node builtins (TextDecoder, TextEncoder, RegExp, …)';
  if (url.startsWith('node:')) return "Node's JavaScript (node:dgram send/receive, dns lookup, events, ticks)";
  if (name === '(program)') return 'native, no JS frame (libuv, receive path)';
  return 'V8/Node builtins (TextDecoder, TextEncoder, RegExp, …)';
}

/**
 * Reads a `.cpuprofile` and sums self time by function (same name, file and line).
 * @returns the `top` heaviest entries, the same time by group, and the busy (non-idle) time in ms.
 * @throws when the file cannot be read or is not a CPU profile.
 */
export function summarizeProfile(path: string, top = 15): { busyMs: number; entries: ProfileEntry[]; groups: ProfileGroup[] } {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  if (!Array.isArray(profile.nodes)) throw new Error(`${path} is not a CPU profile`);
  const frameOf = new Map<number, CpuProfileNode['callFrame']>();
  for (const node of profile.nodes) frameOf.set(node.id, node.callFrame);
  const selfUs = new Map<string, { name: string; where: string; us: number }>();
  const groupUs = new Map<string, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let busyUs = 0;
  for (let i = 0; i < samples.length; i++) {
    const frame = frameOf.get(samples[i] as number);
    // A sample's time is the delta to the next sample.
    const us = Math.max(0, deltas[i + 1] ?? 0);
    if (!frame) continue;
    const full = frame.functionName || '(anonymous)';
    // A RegExp's "function name" is its whole source.
    const name = full.length > 60 ? `${full.slice(0, 57)}...` : full;
    if (full === '(idle)') continue;
    busyUs += us;
    const group = groupOf(full, frame.url);
    groupUs.set(group, (groupUs.get(group) ?? 0) + us);
    const file = frame.url ? (frame.url.split('/').pop() ?? frame.url) : '';
    const where = file ? `${file}:${frame.lineNumber + 1}` : '';
    const key = `${name}@${where}`;
    const entry = selfUs.get(key) ?? { name, where, us: 0 };
    entry.us += us;
    selfUs.set(key, entry);
  }
  const entries = [...selfUs.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, top)
    .map((e) => ({ name: e.name, where: e.where, selfMs: Math.round(e.us / 100) / 10, percent: busyUs > 0 ? Math.round((e.us / busyUs) * 1000) / 10 : 0 }));
  const groups = [...groupUs.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([group, us]) => ({ group, selfMs: Math.round(us / 100) / 10, percent: busyUs > 0 ? Math.round((us / busyUs) * 1000) / 10 : 0 }));
  return { busyMs: Math.round(busyUs / 1000), entries, groups };
}
