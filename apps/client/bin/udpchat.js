#!/usr/bin/env node
// Launcher for the udpchat client: set the environment before React and Ink load, then run the compiled entry.
process.env.NODE_ENV ??= 'production';
if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') process.env.FORCE_COLOR = '0';
await import('../dist/main.js');
