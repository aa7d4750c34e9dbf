/**
 * Drives real terminals with tmux (on a private socket): start a program in a
 * pane, type into it, read the screen.
 */
import { isolatedXdg } from './processes.js';
import { execFileSync } from 'node:child_process';
import { threadId } from 'node:worker_threads';
import { until } from './wait.js';

// One tmux server per vitest worker: the workers are threads of one process (pool 'threads'), so the pid
// alone would give test files running side by side one server, and one file's killTmuxServer would end the other's terminals.
const SOCKET = `udpchat-test-${process.pid}-${threadId}`;

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
}

/**
 * How often a wait reads the screen, in ms: each read runs a tmux process (~5 ms of CPU, and the
 * worker's event loop blocked meanwhile), so not every 20 ms like other waits.
 */
export const POLL_MS = 100;

/** Quotes one word for sh. */
const shellQuote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

/** A tmux session running one program. */
export class Terminal {
  private constructor(readonly name: string) {}

  /**
   * Starts `argv` in a new detached session of `columns` x `rows`. `CI` is
   * removed from the environment (with CI set, Ink draws only the last frame);
   * `env` is added to it, after XDG folders of its own (isolatedXdg) unless `env` gives them.
   */
  static start(name: string, argv: string[], columns = 100, rows = 30, env: Record<string, string> = {}): Terminal {
    const assignments = Object.entries({ ...isolatedXdg(), ...env }).map(([k, v]) => shellQuote(`${k}=${v}`));
    const command = `exec env -u CI ${[...assignments, ...argv.map(shellQuote)].join(' ')}`;
    tmux('new-session', '-d', '-s', name, '-x', String(columns), '-y', String(rows), command);
    tmux('set-option', '-t', name, 'remain-on-exit', 'on');
    return new Terminal(name);
  }

  /** The screen as text (`colours`: with SGR escape sequences). */
  screen(colours = false): string {
    return tmux('capture-pane', '-p', ...(colours ? ['-e'] : []), '-t', this.name);
  }

  /** Types `text` literally (UTF-8, e.g. CJK and emoji), then Enter when `enter`. */
  type(text: string, enter = true): void {
    if (text) tmux('send-keys', '-t', this.name, '-l', text);
    if (enter) tmux('send-keys', '-t', this.name, 'Enter');
  }

  /**
   * Pastes `text` as a terminal does: bracketed (`\x1b[200~` … `\x1b[201~`) when the
   * program asked for it with `\x1b[?2004h`, line breaks sent as CR (tmux paste-buffer -p).
   */
  paste(text: string): void {
    tmux('set-buffer', '-b', `${this.name}-paste`, '--', text);
    tmux('paste-buffer', '-p', '-d', '-b', `${this.name}-paste`, '-t', this.name);
  }

  /** Sends named keys (`Tab`, `Down`, `C-c`). */
  keys(...keys: string[]): void {
    tmux('send-keys', '-t', this.name, ...keys);
  }

  /** Where the terminal cursor is, 0-based column and row (tmux `#{cursor_x}`, `#{cursor_y}`). */
  cursor(): { x: number; y: number } {
    const [x, y] = tmux('display-message', '-p', '-t', this.name, '#{cursor_x} #{cursor_y}').trim().split(' ').map(Number);
    return { x: x ?? -1, y: y ?? -1 };
  }

  /** The pid of the program in the pane. */
  pid(): number {
    return Number(tmux('list-panes', '-t', this.name, '-F', '#{pane_pid}').trim());
  }

  /** Whether the program has exited. */
  dead(): boolean {
    return tmux('list-panes', '-t', this.name, '-F', '#{pane_dead}').trim() === '1';
  }

  /** Waits until the screen matches `pattern`; returns the screen. */
  waitFor(pattern: RegExp | ((screen: string) => boolean), timeoutMs = 15_000, colours = false): Promise<string> {
    const test = typeof pattern === 'function' ? pattern : (s: string) => pattern.test(s);
    let last = '';
    return until(
      () => {
        last = this.screen(colours);
        return test(last) ? last : undefined;
      },
      `${this.name}'s screen to match ${String(pattern)}; screen was:\n${last}`,
      timeoutMs,
      POLL_MS,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n--- ${this.name} ---\n${this.screen()}`);
    });
  }

  /** Ends the session. */
  kill(): void {
    try {
      tmux('kill-session', '-t', this.name);
    } catch {
      // already gone
    }
  }
}

/** Stops this test file's tmux server. */
export function killTmuxServer(): void {
  try {
    tmux('kill-server');
  } catch {
    // not running
  }
}
