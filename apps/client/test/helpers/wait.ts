/**
 * Waiting helpers for tests: poll a condition until it holds or a timeout
 * passes (never a fixed sleep), and collect lines from a child process.
 */
import type { ChildProcess } from 'node:child_process';

/**
 * Polls `check` every `intervalMs` (default 20 ms) until it returns a truthy value; rejects with `what`
 * after `timeoutMs`. A check that costs a process (tmux) polls less often.
 */
export async function until<T>(check: () => T | undefined | null | false, what: string, timeoutMs = 10_000, intervalMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Lines a child process printed, collected as they come. */
export class LineCollector {
  readonly lines: string[] = [];
  private partial = '';

  constructor(stream: NodeJS.ReadableStream) {
    stream.setEncoding?.('utf8');
    stream.on('data', (chunk: string) => {
      const text = this.partial + chunk;
      const parts = text.split('\n');
      this.partial = parts.pop() ?? '';
      this.lines.push(...parts);
    });
  }

  /** Waits for a line matching `pattern` and returns it. */
  waitFor(pattern: RegExp | ((line: string) => boolean), timeoutMs = 10_000): Promise<string> {
    const test = typeof pattern === 'function' ? pattern : (l: string) => pattern.test(l);
    return until(() => this.lines.find(test), `a line matching ${String(pattern)}; got:\n${this.lines.join('\n')}`, timeoutMs);
  }

  /** Parsed JSON lines. */
  json(): Array<Record<string, unknown>> {
    return this.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

/** Resolves with the exit code of `child` (or rejects after `timeoutMs`). */
export function exitCode(child: ChildProcess, timeoutMs = 15_000): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`process did not exit within ${timeoutMs} ms`)), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}
