#!/usr/bin/env node
// Launcher for the udpchat client: set the environment before React and Ink load, then run the compiled entry.
import { setFlagsFromString } from 'node:v8';

process.env.NODE_ENV ??= 'production';
// NO_COLOR is honoured by the UI's theme (no colour tokens), not by FORCE_COLOR=0: that would also drop
// bold and inverse, which show focus and selection (issue 10 #9).

// SQLite (the history, the hosted relay's store) is WebAssembly. With V8's default budget the SQL run at
// start (open, integrity check, migrations, the first queries) makes V8 recompile SQLite's biggest
// functions with its optimizing compiler, which cost ~0.35 s of CPU per start, about half of the whole
// client's (measured on Node 20: ~0.7 s -> ~0.3 s CPU, `echo hi | udpchat --plain`). A 150x budget
// (the default is 1.8 M) leaves start-up in the baseline compiler; code that stays hot (a /search over
// 100,000 stored messages) still gets optimized, a little later. Set before any WebAssembly is compiled.
setFlagsFromString('--wasm-tiering-budget=300000000');

await import('../dist/main.js');
