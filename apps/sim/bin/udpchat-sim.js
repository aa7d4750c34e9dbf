#!/usr/bin/env node
// The simulation's command line (apps/sim/src/cli.ts), built to dist/ by `tsc -b apps/sim`.
import '../dist/cli.js';
