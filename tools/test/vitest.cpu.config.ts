/**
 * The suite's config plus tools/test/cpuPerFile.ts, for measuring which test files cost CPU:
 *   CPU_PER_FILE=/tmp/cpu.txt npx vitest run --config tools/test/vitest.cpu.config.ts --no-file-parallelism [files]
 * then `sort -rn` on the sum of the first four columns (user, system, children's user and system, s).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig, mergeConfig } from 'vitest/config';
import base from '../../vitest.config.js';

export default mergeConfig(base, defineConfig({ test: { setupFiles: [fileURLToPath(new URL('./cpuPerFile.ts', import.meta.url))] } }));
