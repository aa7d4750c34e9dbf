/**
 * The `udpchat` program: runClient (run.ts) on this process's stdin, stdout
 * and stderr, plus what only a process has: in line mode SIGINT and SIGTERM
 * say bye and exit 0 (a second one exits 130 at once), the history's last
 * commit at any exit, and the exit code.
 */
import { runClient } from './run.js';

runClient({
  argv: process.argv.slice(2),
  env: process.env,
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  onOpen: ({ lineMode, stop, closeHistory }) => {
    process.once('exit', closeHistory);
    if (!lineMode) return;
    let stopping = false;
    const onSignal = () => {
      if (stopping) process.exit(130);
      stopping = true;
      void stop().then(() => process.exit(0));
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  },
}).then(
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
