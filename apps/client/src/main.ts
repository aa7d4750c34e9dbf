/**
 * The `udpchat` program: parses the command line, opens a session with the
 * relay (hosting one in-process when it is missing on loopback), then runs
 * the full-screen UI or, without a terminal or with --plain/--json, line mode.
 */
import { readFileSync } from 'node:fs';
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
import { join } from 'node:path';
import { keyFileProvider } from './identity/keyFiles.js';
import type { IdentityProvider } from './net/core/keyedLink.js';

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
function secretOf(options: ClientOptions): AuthKey | null {
  const loaded = loadSecret({ file: options.secretFile ?? undefined, env: process.env.UDPCHAT_SECRET });
  if (loaded === null) return null;
  if ('error' in loaded) throw new UsageError(loaded.error);
  return loaded.key;
}

async function main(argv: readonly string[]): Promise<number> {
  let parsed;
  let secret: AuthKey | null = null;
  try {
    parsed = parseClientArgs(argv);
    if (parsed.kind === 'run') secret = secretOf(parsed.options);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`udpchat: ${err.message}\n${USAGE}\n`);
    return 2;
  }
  if (parsed.kind === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (parsed.kind === 'version') {
    process.stdout.write(`udpchat ${version()}\n`);
    return 0;
  }
  const options = parsed.options;
  let history: HistoryDb;
  try {
    // Before the network: a second client of this name, or a damaged file, stops here (exit 1).
    history = openHistory(options.dataDir, options.name);
  } catch (err) {
    if (!(err instanceof HistoryOpenError)) throw err;
    process.stderr.write(`udpchat: ${err.message}\n`);
    return 1;
  }
  let reportHistoryError: (message: string) => void = (message) => void process.stderr.write(`udpchat: ${message}\n`);
  const writer = new HistoryWriter(history, (message) => reportHistoryError(message));
  const closeHistory = () => {
    try {
      writer.commit();
      history.close();
    } catch (err) {
      process.stderr.write(`udpchat: closing the history: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  };
  let session: ChatSession;
  try {
    session = await openSession(options, secret, writer);
  } catch (err) {
    closeHistory();
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`udpchat: ${message}\n`);
    return 1;
  }
  writer.attach(session);
  process.once('exit', closeHistory);
  const retry = () => void retryUnfinished(history, session);
  const lineMode = options.plain || !process.stdin.isTTY || !process.stdout.isTTY;
  if (lineMode) {
    let stopping = false;
    const stop = () => {
      if (stopping) process.exit(130);
      stopping = true;
      void session.close().then(() => process.exit(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return runLineMode({
      session,
      json: options.json,
      input: process.stdin,
      output: process.stdout,
      errors: process.stderr,
      history,
      historyLines: options.history,
      afterStart: retry,
    });
  }
  const { runTui } = await import('./ui/runTui.js');
  return runTui(session, {
    history: new HistoryDriver(history),
    afterStart: retry,
    onStore: (store) => {
      reportHistoryError = (message) => store.setNotice({ text: message, level: 'error' });
    },
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Line mode and the UI have closed their sockets; stdin may still hold the loop open.
    setTimeout(() => process.exit(code), 50).unref();
  },
  (err: unknown) => {
    process.stderr.write(`udpchat: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
