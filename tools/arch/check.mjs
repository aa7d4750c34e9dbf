#!/usr/bin/env node
/**
 * The architecture check, run by `pnpm test` (tools/arch/test/repository.test.ts) and
 * `pnpm arch`: the dependency rules (dependency-cruiser, rules in
 * tools/arch/dependency-cruiser.cjs) over the sources, tests and benchmarks,
 * then the line limit of source files (tools/arch/max-lines.mjs).
 * Usage: node tools/arch/check.mjs [ROOT [MAX_LINES_CONFIG]] (defaults: the
 * repository, tools/arch/max-lines.config.mjs). Exit 1 on any violation.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.join(here, '../..');
const root = path.resolve(process.argv[2] ?? repo);
const depcruise = path.join(repo, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
const targets = ['apps', 'packages'].filter((dir) => existsSync(path.join(root, dir)));

const cruise = spawnSync(process.execPath, [depcruise, '--config', path.join(here, 'dependency-cruiser.cjs'), ...targets], {
  cwd: root,
  stdio: 'inherit',
});
const linesConfig = path.resolve(process.argv[3] ?? path.join(here, 'max-lines.config.mjs'));
const lines = spawnSync(process.execPath, [path.join(here, 'max-lines.mjs'), root, linesConfig], { stdio: 'inherit' });
process.exitCode = cruise.status === 0 && lines.status === 0 ? 0 : 1;
