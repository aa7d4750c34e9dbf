#!/usr/bin/env node
/**
 * The architecture check, run by `pnpm test` (tools/arch/test/arch.test.ts
 * calls tools/arch/run.mjs in-process) and `pnpm arch`: the dependency rules
 * (dependency-cruiser, rules in tools/arch/dependency-cruiser.cjs) over the
 * sources, tests and benchmarks, then the line limit of source files
 * (tools/arch/max-lines.mjs).
 * Usage: node tools/arch/check.mjs [ROOT [MAX_LINES_CONFIG]] (defaults: the
 * repository, tools/arch/max-lines.config.mjs). Prints the report; exit 1 on any violation.
 */
import path from 'node:path';
import { checkArchitecture, REPOSITORY } from './run.mjs';

const root = path.resolve(process.argv[2] ?? REPOSITORY);
const linesConfig = process.argv[3] === undefined ? undefined : path.resolve(process.argv[3]);
const { status, output } = await checkArchitecture(root, linesConfig);
process.stdout.write(output);
process.exitCode = status;
