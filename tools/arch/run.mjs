/**
 * The architecture check as a function, for tools/arch/check.mjs (`pnpm arch`)
 * and the tests, which call it in-process (dependency-cruiser and typescript
 * load once per process, not once per check).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { reportLineLimits } from './max-lines.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The repository's root directory (absolute). */
export const REPOSITORY = path.join(here, '../..');
/** The dependency rules (paths in them are relative to the root checked). */
const RULES = path.join(here, 'dependency-cruiser.cjs');

/**
 * @typedef {object} CheckResult
 * @property {0 | 1} status 0: every rule kept; 1: at least one violation
 * @property {string} output the report, as `pnpm arch` prints it: dependency-cruiser's `err` report
 *   (violations, one per line, or `✔ no dependency violations found …`), then the line-limit report
 */

/**
 * Runs the architecture check on `root`: the dependency rules of
 * tools/arch/dependency-cruiser.cjs over its apps/ and packages/ (the ones it
 * has), then the line limit of `linesConfig`.
 * @param {string} [root] the directory to check (absolute); default: this repository
 * @param {string} [linesConfig] the max-lines config module (absolute path); default: tools/arch/max-lines.config.mjs
 * @returns {Promise<CheckResult>}
 * @throws {Error} when dependency-cruiser cannot run (an invalid config or tsconfig)
 */
export async function checkArchitecture(root = REPOSITORY, linesConfig = path.join(here, 'max-lines.config.mjs')) {
  const targets = ['apps', 'packages'].filter((dir) => existsSync(path.join(root, dir)));
  const options = await extractDepcruiseOptions(RULES);
  const tsConfig = options.tsConfig?.fileName ? extractTSConfig(options.tsConfig.fileName) : undefined;
  const cruised = await cruise(targets, { ...options, baseDir: root, outputType: 'err' }, {}, { tsConfig });
  const lines = await reportLineLimits(root, linesConfig);
  return {
    status: cruised.exitCode === 0 && lines.status === 0 ? 0 : 1,
    output: `${String(cruised.output).replace(/\n*$/, '\n\n')}${lines.output}`,
  };
}
