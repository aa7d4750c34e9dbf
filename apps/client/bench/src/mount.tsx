/**
 * Mounts the real client App into fake terminal streams (terminal.ts), the
 * way both client benchmarks drive it: no Ctrl+C exit, console untouched.
 */
import { render, type Instance, type RenderOptions } from 'ink';
import type { ChatStore } from '../../dist/state/store.js';
import { App } from '../../dist/ui/App.js';
import type { FakeStdin, FakeStdout } from './terminal.js';

/** The fake terminal an App is mounted into. */
export interface FakeTerminal {
  stdout: FakeStdout;
  stderr: FakeStdout;
  stdin: FakeStdin;
}

/**
 * Renders `<App>` for `store` at `columns` × `rows` cells into `terminal`.
 * @param onRender Ink's per-frame callback (renderTime in ms), if the caller times frames.
 * @returns Ink's instance (unmount, waitUntilExit).
 */
export function mountApp(
  store: ChatStore,
  size: { columns: number; rows: number },
  terminal: FakeTerminal,
  onRender?: RenderOptions['onRender'],
): Instance {
  return render(<App store={store} columns={size.columns} rows={size.rows} onQuit={() => {}} />, {
    stdout: terminal.stdout as unknown as NodeJS.WriteStream,
    stderr: terminal.stderr as unknown as NodeJS.WriteStream,
    stdin: terminal.stdin as unknown as NodeJS.ReadStream,
    exitOnCtrlC: false,
    patchConsole: false,
    ...(onRender ? { onRender } : {}),
  });
}
