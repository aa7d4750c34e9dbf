/**
 * Runs the full-screen UI: alternate screen and bracketed paste in, Ink render, and on every way
 * out (quit, Ctrl+C, SIGTERM, SIGHUP when the terminal closes) a bye to the
 * relay and the terminal restored.
 */
import { render } from 'ink';
import type { ChatSession } from '../net/session.js';
import { ChatStore, type HistorySource } from '../state/store.js';
import { App } from './App.js';
import { useTerminalSize } from './hooks/useTerminalSize.js';
import { DISABLE_BRACKETED_PASTE, ENABLE_BRACKETED_PASTE } from './hooks/usePaste.js';

const ENTER_ALT_SCREEN = `\x1b[?1049h${ENABLE_BRACKETED_PASTE}`;
const LEAVE_ALT_SCREEN = `${DISABLE_BRACKETED_PASTE}\x1b[?1049l\x1b[?25h`;

function Root({ store, onQuit }: { store: ChatStore; onQuit: () => void }) {
  const { columns, rows } = useTerminalSize();
  return <App store={store} columns={columns} rows={rows} onQuit={onQuit} />;
}

/** Options of `runTui`. */
export interface TuiOptions {
  /** The stored history shown at start and paged through (history/driver.ts); absent: none. */
  history?: HistorySource;
  /** Called right after the session started (the history's retry of unfinished messages). */
  afterStart?: () => void;
  /** Called with the store once it exists (to show history write errors in the notice line). */
  onStore?: (store: ChatStore) => void;
}

/**
 * Shows the UI until the user quits.
 * @returns the exit code (0).
 */
export async function runTui(session: ChatSession, options: TuiOptions = {}): Promise<number> {
  const store = new ChatStore(session, { history: options.history });
  options.onStore?.(store);
  process.stdout.write(ENTER_ALT_SCREEN);
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    process.stdout.write(LEAVE_ALT_SCREEN);
  };
  process.on('exit', restore);

  return new Promise<number>((resolve) => {
    let quitting = false;
    /**
     * Leaves: the bye goes out first (a hosted relay tells its contacts it is
     * going away), then the terminal is restored. On SIGHUP the terminal is
     * already gone: nothing more is written to it (a write would fail with EIO).
     */
    const quit = (hangup = false) => {
      if (quitting) return;
      quitting = true;
      if (hangup) {
        restored = true;
        process.stdout.on('error', () => undefined);
      }
      const closing = session.close();
      store.dispose();
      if (!hangup) {
        instance.unmount();
        restore();
      }
      void closing.then(() => resolve(0));
    };
    const instance = render(<Root store={store} onQuit={() => quit()} />, { exitOnCtrlC: false, patchConsole: true });
    session.start();
    options.afterStart?.();
    process.once('SIGTERM', () => quit());
    process.once('SIGHUP', () => quit(true));
  });
}
