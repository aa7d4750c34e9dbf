/**
 * The `udpchat` program without the process around it: parses the command
 * line, opens the history and a session with the relay (hosting one
 * in-process when it is missing on loopback), then runs line mode or the
 * full-screen UI on the streams it is given, and resolves with the exit code.
 * main.ts runs it on the process's own streams and adds what only a process
 * has (signals, the history's last commit at exit); tests run it on streams
 * of their own, over real UDP, without a child process per client.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuthKey } from '@udpchat/protocol';
import { loadSecret } from '@udpchat/net';
import { parseClientArgs, USAGE, UsageError, type ClientOptions } from './cli.js';
import { runLineMode } from './line/lineMode.js';
import type { Journal } from './net/journal.js';
import { ChatSession } from './net/session.js';
import { HistoryDriver } from './history/driver.js';
import type { HistoryDb } from './history/historyDb.js';
import { HistoryOpenError, openHistory } from './history/open.js';
import { retryUnfinished } from './history/retry.js';
import { HistoryWriter } from './history/writer.js';
import { keyFileProvider } from './identity/keyFiles.js';
import type { IdentityProvider } from './net/core/keyedLink.js';

/** What the client runs on: the process's own (main.ts), or a test's. */
export interface ClientIo {
  /** The arguments, without `node` and the script. */
  argv: readonly string[];
  /** Where UDPCHAT_SERVERS, UDPCHAT_SECRET and the XDG folders are read. */
  env: Readonly<Record<string, string | undefined>>;
  /** Input: typed lines in line mode. With `isTTY` on both stdin and stdout (and no --plain/--json): the full-screen UI. */
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Events (line mode), help and version. */
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  /** Mistakes and failures, one line each (`udpchat: …`), and line mode's /help. */
  stderr: NodeJS.WritableStream;
  /** Called once the session is open and the history attached, before line mode or the UI starts (main.ts: signals, exit). */
  onOpen?: (running: RunningClient) => void;
}

/** Handles of a started client, given to `ClientIo.onOpen`. */
export interface RunningClient {
  /** True in line mode, false for the full-screen UI (which handles its own keys and signals). */
  lineMode: boolean;
  /** Says bye, closes the session, then the history (as at the end of input). */
  stop: () => Promise<void>;
  /** Commits what the history writer holds and closes the file; safe to call more than once. */
  closeHistory: () => void;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

async function openSession(options: ClientOptions, secret: AuthKey | null, journal: Journal): Promise<ChatSession> {
  let identity: IdentityProvider | null = null;
  if (options.dataDir !== null) {
    identity = keyFileProvider(options.dataDir);
    identity(options.name); // reads or creates the key now: a bad key file stops here, with its name (KeyFileError)
  }
  return ChatSession.open({
    journal,
    identity,
    hostedStoreFile: options.dataDir === null ? null : join(options.dataDir, 'relay.db'),
    host: options.host,
    port: options.port,
    moreServers: options.servers.slice(1),
    name: options.name,
    autoHost: !options.noHost,
    simulate: options.simulate,
    secret,
  });
}

/**
 * The shared secret from --secret-file, else UDPCHAT_SECRET, else none.
 * @throws UsageError (exit 2) for a missing or unreadable file or a secret under 8 bytes.
 */
function secretOf(options: ClientOptions, env: ClientIo['env']): AuthKey | null {
  const loaded = loadSecret({ file: options.secretFile ?? undefined, env: env.UDPCHAT_SECRET });
  if (loaded === null) return null;
  if ('error' in loaded) throw new UsageError(loaded.error);
  return loaded.key;
}

/**
 * Runs the client until the end of input, `/quit` or the UI's quit.
 * @returns the exit code: 0; 1 when the history or the session cannot be opened or registration never
 *   succeeded (line mode); 2 for a mistake on the command line (its one-line reason and the usage on stderr).
 * @throws only for unexpected errors (bugs), which main.ts reports with their stack.
 */
export async function runClient(io: ClientIo): Promise<number> {
  let parsed;
  let secret: AuthKey | null = null;
  try {
    parsed = parseClientArgs(io.argv, io.env);
    if (parsed.kind === 'run') secret = secretOf(parsed.options, io.env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`udpchat: ${err.message}\n${USAGE}\n`);
    return 2;
  }
  if (parsed.kind === 'help') {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (parsed.kind === 'version') {
    io.stdout.write(`udpchat ${version()}\n`);
    return 0;
  }
  const options = parsed.options;
  let history: HistoryDb;
  try {
    // Before the network: a second client of this name, or a damaged file, stops here (exit 1).
    history = openHistory(options.dataDir, options.name);
  } catch (err) {
    if (!(err instanceof HistoryOpenError)) throw err;
    io.stderr.write(`udpchat: ${err.message}\n`);
    return 1;
  }
  let reportHistoryError: (message: string) => void = (message) => void io.stderr.write(`udpchat: ${message}\n`);
  const writer = new HistoryWriter(history, (message) => reportHistoryError(message));
  let historyOpen = true;
  const closeHistory = () => {
    if (!historyOpen) return;
    historyOpen = false;
    try {
      writer.commit();
      history.close();
    } catch (err) {
      io.stderr.write(`udpchat: closing the history: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  };
  let session: ChatSession;
  try {
    session = await openSession(options, secret, writer);
  } catch (err) {
    closeHistory();
    const message = err instanceof Error ? err.message : String(err);
    io.stderr.write(`udpchat: ${message}\n`);
    return 1;
  }
  writer.attach(session);
  const retry = () => void retryUnfinished(history, session);
  const lineMode = options.plain || !io.stdin.isTTY || !io.stdout.isTTY;
  io.onOpen?.({ lineMode, stop: () => session.close().then(closeHistory), closeHistory });
  try {
    if (lineMode) {
      return await runLineMode({
        session,
        json: options.json,
        input: io.stdin,
        output: io.stdout,
        errors: io.stderr,
        history,
        historyLines: options.history,
        afterStart: retry,
      });
    }
    const { runTui } = await import('./ui/runTui.js');
    return await runTui(session, {
      history: new HistoryDriver(history),
      afterStart: retry,
      onStore: (store) => {
        reportHistoryError = (message) => store.setNotice({ text: message, level: 'error' });
      },
    });
  } finally {
    closeHistory();
  }
}
