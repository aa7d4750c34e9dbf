/**
 * The `udpchat-demo` program (`pnpm demo ...`): teaching demos on real
 * loopback sockets. Every socket is closed when a demo ends, so the process
 * exits by itself once its output is written.
 */
import { runDemo } from './cli.js';

runDemo(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`udpchat-demo: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
