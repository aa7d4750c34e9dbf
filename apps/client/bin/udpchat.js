#!/usr/bin/env node
// Launcher for the udpchat client: set the environment before React and Ink load, then run the compiled entry.
process.env.NODE_ENV ??= 'production';
// NO_COLOR is honoured by the UI's theme (no colour tokens), not by FORCE_COLOR=0: that would also drop
// bold and inverse, which show focus and selection (issue 10 #9).

// V8 settings (the WebAssembly tiering budget: half the CPU of a start), before any WebAssembly compiles.
const { tuneEngine } = await import('@udpchat/store/engine');
tuneEngine();
await import('../dist/main.js');
