/**
 * The `udpchat` program: parses the command line, opens a session with the
 * relay (hosting one in-process when it is missing on loopback), then runs
 * the full-screen UI or, without a terminal or with --plain/--json, line mode.
 */
import { readFileSync } from 'node:fs';
import { parseClientArgs, USAGE, UsageError, type ClientOptions } from './cli.js';
import { runLineMode } from './line/lineMode.js';
import { ChatSession } from './net/session.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

async function openSession(options: ClientOptions): Promise<ChatSession> {
  return ChatSession.open({
    host: options.host,
    port: options.port,
    name: options.name,
    autoHost: !options.noHost,
    simulate: options.simulate,
  });
}

async function main(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseClientArgs(argv);
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
  let session: ChatSession;
  try {
    session = await openSession(options);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`udpchat: ${message}\n`);
    return 1;
  }
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
    return runLineMode({ session, json: options.json, input: process.stdin, output: process.stdout, errors: process.stderr });
  }
  const { runTui } = await import('./ui/runTui.js');
  return runTui(session);
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
