#!/usr/bin/env node
// Launcher for the udpchat teaching demos (`pnpm demo boundaries [--json]`): runs the compiled entry.
await import('../dist/demo/main.js');
