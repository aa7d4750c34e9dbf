#!/usr/bin/env node
// Launcher for the client benchmark (`pnpm bench client [--json]`): set the
// environment before React and Ink load, then run the compiled entry
// (built by `pnpm install`'s prepare step and by `pnpm build`: `tsc -b … apps/client/bench`).
process.env.NODE_ENV = 'production';
// Ink draws only the final frame under CI=true (is-in-ci); the bench measures the interactive renderer.
for (const key of ['CI', 'CONTINUOUS_INTEGRATION']) if (key in process.env) process.env[key] = 'false';
// Frames carry colour codes as in a real terminal, whatever this process's own stdout is.
process.env.FORCE_COLOR ??= '1';
await import('../bench/dist/main.js');
