/**
 * A fake TTY for Ink: a stdout that records every write with its time (so a
 * benchmark can see when a frame reached the "terminal") and a stdin that
 * keystrokes can be pushed into, read the way Ink reads a raw-mode TTY
 * ('readable' + read()).
 */
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';

/** Writes shorter than this (in UTF-16 code units) are escape sequences only (cursor, synchronized-output markers), not frames. */
const MIN_FRAME_LENGTH = 200;

/** A terminal output stream of a fixed size that reports frame writes. */
export class FakeStdout extends EventEmitter {
  /** Ink writes cursor and synchronized-output codes only to a TTY: behave like one. */
  readonly isTTY = true;
  /** Number of frame writes so far. */
  frames = 0;
  /** performance.now() of the last frame write, in ms. */
  lastFrameAt = 0;
  /** The last frame write, escape codes included. */
  lastFrame = '';
  private waiters: Array<() => void> = [];

  /**
   * @param columns terminal width in columns
   * @param rows terminal height in rows
   * @param onFrame called with each frame write and its performance.now() time in ms
   */
  constructor(
    readonly columns: number,
    readonly rows: number,
    private readonly onFrame: (frame: string, atMs: number) => void = () => {},
  ) {
    super();
  }

  /** Ink's only way out: one call per frame (plus short escape-code writes). */
  write(chunk: string | Uint8Array): boolean {
    const at = performance.now();
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (text.length < MIN_FRAME_LENGTH) return true;
    this.frames++;
    this.lastFrameAt = at;
    this.lastFrame = text;
    this.onFrame(text, at);
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
    return true;
  }

  /**
   * Resolves once `frames` exceeds `after` (at once if it already does).
   * @param timeoutMs rejects after this many ms
   */
  frameAfter(after: number, timeoutMs: number): Promise<void> {
    if (this.frames > after) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no frame within ${timeoutMs} ms`)), timeoutMs);
      const check = () => {
        if (this.frames > after) {
          clearTimeout(timer);
          resolve();
        } else this.waiters.push(check);
      };
      this.waiters.push(check);
    });
  }
}

/** A raw-mode TTY input: `type()` queues bytes and signals 'readable', like a keypress. */
export class FakeStdin extends EventEmitter {
  readonly isTTY = true;
  private readonly queue: string[] = [];

  /** Queues `text` as if typed and tells the reader (Ink) synchronously. */
  type(text: string): void {
    this.queue.push(text);
    this.emit('readable');
  }

  /** The next queued chunk, or null when none is left. */
  read(): string | null {
    return this.queue.shift() ?? null;
  }

  setEncoding(): this {
    return this;
  }
  setRawMode(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  resume(): this {
    return this;
  }
  pause(): this {
    return this;
  }
}

// eslint-disable-next-line no-control-regex
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

/** `frame` without terminal escape sequences. */
export function plainText(frame: string): string {
  return frame.replace(ESCAPES, '');
}

/**
 * The text of the input line in a frame: what follows `prompt` (e.g.
 * `to all › `) on the row that starts with it, or null when there is no
 * such row. Trailing spaces are dropped.
 */
export function inputText(frame: string, prompt: string): string | null {
  for (const line of plainText(frame).split('\n')) {
    if (line.startsWith(prompt)) return line.slice(prompt.length).trimEnd();
  }
  return null;
}
