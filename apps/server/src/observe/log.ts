/**
 * Logging: the pino logger factory the CLI uses, the silent logger the
 * embedded relay defaults to, and a rate limiter so a flood of bad datagrams
 * cannot flood the log.
 */
import { pino, type Level, type LevelWithSilent, type Logger } from 'pino';
import pretty from 'pino-pretty';

/** Every level `createLogger` accepts, quietest last. */
export const LOG_LEVELS: readonly LevelWithSilent[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Options of `createLogger`. */
export interface LoggerOptions {
  /** Lowest level written (pino levels). Default `'info'`. */
  level?: LevelWithSilent;
  /**
   * `true`: human-readable, colourised lines (pino-pretty, written synchronously);
   * `false`: one JSON object per line. Default: `true` exactly when stdout is a TTY.
   */
  pretty?: boolean;
  /** Name put in every line (`name` field). Default `'udpchat-relay'`. */
  name?: string;
}

/**
 * Creates the relay's logger, writing to stdout synchronously (so nothing is
 * lost when the process exits right after a log call).
 * @returns a pino logger: JSON lines when stdout is not a TTY, pino-pretty lines when it is.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const name = options.name ?? 'udpchat-relay';
  const usePretty = options.pretty ?? process.stdout.isTTY === true;
  if (usePretty) {
    const stream = pretty({
      colorize: true,
      sync: true,
      destination: 1,
      singleLine: true,
      ignore: 'pid,hostname,name',
      translateTime: 'SYS:HH:MM:ss.l',
    });
    return pino({ level, name }, stream);
  }
  return pino({ level, name }, pino.destination({ dest: 1, sync: true }));
}

/** A logger that writes nothing and opens nothing: the default of `startRelay`. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' }, { write: () => undefined });
}

/** Options of `RateLimitedLog`. */
export interface RateLimitOptions {
  /** Length of one window, in ms. Default 10 000. */
  windowMs?: number;
  /** Lines written per key per window; further lines are counted, not written. Default 10. */
  maxPerWindow?: number;
  /** Clock in ms (monotonic). Default `performance.now`. */
  now?: () => number;
}

interface Window {
  start: number;
  written: number;
  suppressed: number;
  level: Level;
  msg: string;
}

/**
 * Writes at most `maxPerWindow` lines per key (e.g. per drop reason) in each
 * window of `windowMs`. When a window with suppressed lines ends, one line
 * `'log lines suppressed'` {key, suppressed, of: the suppressed message, windowMs} says how many were
 * left out; that line is written at the next `log` for that key or at `flush`.
 */
export class RateLimitedLog {
  private readonly windows = new Map<string, Window>();
  private readonly windowMs: number;
  private readonly maxPerWindow: number;
  private readonly now: () => number;

  constructor(
    private readonly logger: Logger,
    options: RateLimitOptions = {},
  ) {
    this.windowMs = options.windowMs ?? 10_000;
    this.maxPerWindow = options.maxPerWindow ?? 10;
    this.now = options.now ?? (() => performance.now());
  }

  /**
   * Logs `msg` with `fields` at `level`, unless `key` already used up its window.
   * @returns true when the line was written, false when it was suppressed.
   */
  log(key: string, level: Level, fields: Record<string, unknown>, msg: string): boolean {
    const now = this.now();
    let w = this.windows.get(key);
    if (w && now - w.start >= this.windowMs) {
      this.report(key, w);
      w = undefined;
    }
    if (!w) {
      w = { start: now, written: 0, suppressed: 0, level, msg };
      this.windows.set(key, w);
    }
    if (w.written >= this.maxPerWindow) {
      w.suppressed++;
      return false;
    }
    w.written++;
    this.logger[level](fields, msg);
    return true;
  }

  /**
   * Reports and forgets every window that has ended (or, with `all`, every
   * window): call it from a periodic timer and before shutting down.
   */
  flush(all = false): void {
    const now = this.now();
    for (const [key, w] of this.windows) {
      if (all || now - w.start >= this.windowMs) {
        this.report(key, w);
        this.windows.delete(key);
      }
    }
  }

  private report(key: string, w: Window): void {
    if (w.suppressed === 0) return;
    this.logger[w.level]({ key, suppressed: w.suppressed, of: w.msg, windowMs: this.windowMs }, 'log lines suppressed');
    w.suppressed = 0;
  }
}
