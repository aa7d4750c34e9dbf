/**
 * The line-limit check (dependency-cruiser cannot count lines): every .ts/.tsx
 * file under the configured roots has at most `limit` lines, except the listed
 * exceptions, which must still be over the limit (else: remove them).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * @typedef {object} MaxLinesConfig
 * @property {number} limit most lines per file
 * @property {string[]} roots directories to check, relative to the root; a `*` segment matches every folder
 * @property {Record<string, string>} exceptions file (relative, `/`-separated) -> why it may be longer, for now
 */

/** Lines of a text as an editor numbers them (a final newline does not start a line). */
export function countLines(text) {
  if (text.length === 0) return 0;
  const newlines = text.split('\n').length - 1;
  return text.endsWith('\n') ? newlines : newlines + 1;
}

/** The directories `pattern` (e.g. `apps/*\/src`) names under `root`, relative, sorted. */
function expand(root, pattern) {
  let found = [''];
  for (const segment of pattern.split('/')) {
    const next = [];
    for (const dir of found) {
      if (segment === '*') {
        let names = [];
        try {
          names = readdirSync(path.join(root, dir), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
        } catch {
          // no such directory: nothing under it
        }
        for (const name of names.sort()) next.push(path.posix.join(dir, name));
      } else if (isDirectory(path.join(root, dir, segment))) {
        next.push(path.posix.join(dir, segment));
      }
    }
    found = next;
  }
  return found;
}

function isDirectory(p) {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Every .ts/.tsx file (not .d.ts) under `dir`, relative to `root`, `/`-separated. */
function sourceFiles(root, dir) {
  const out = [];
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(root, rel));
    else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

/**
 * Checks the files under `root` against `config`.
 * @param {string} root the directory the roots and exceptions are relative to
 * @param {MaxLinesConfig} config
 * @returns {{ problems: string[], checked: number }} one line per problem (empty: all good) and the number of files checked
 */
export function checkLineLimits(root, config) {
  const problems = [];
  const sizes = new Map();
  for (const pattern of config.roots) {
    for (const dir of expand(root, pattern)) {
      for (const file of sourceFiles(root, dir)) sizes.set(file, countLines(readFileSync(path.join(root, file), 'utf8')));
    }
  }
  for (const [file, lines] of [...sizes].sort(([a], [b]) => a.localeCompare(b))) {
    if (lines > config.limit && !Object.hasOwn(config.exceptions, file)) {
      problems.push(`${file}: ${lines} lines, over the limit of ${config.limit}: split it (one concern per file)`);
    }
  }
  for (const file of Object.keys(config.exceptions).sort()) {
    const lines = sizes.get(file);
    if (lines === undefined) problems.push(`${file}: listed as an exception to the line limit but not found: remove it from the exceptions`);
    else if (lines <= config.limit) {
      problems.push(`${file}: ${lines} lines, within the limit of ${config.limit} now: remove it from the exceptions`);
    }
  }
  return { problems, checked: sizes.size };
}

/**
 * The line-limit report on `root` against the config module `configFile`, as
 * the architecture check prints it: one `error max-lines: …` line per problem
 * then a summary line (`x N line-limit problem(s) …` or `✔ N source files within …`).
 * @param {string} root the directory checked
 * @param {string} configFile the config module (absolute path; its default export is a MaxLinesConfig)
 * @returns {Promise<{ status: 0 | 1, output: string }>} status 1 on any problem; output ends with a newline
 */
export async function reportLineLimits(root, configFile) {
  /** @type {{ default: MaxLinesConfig }} */
  const { default: config } = await import(pathToFileURL(configFile).href);
  const { problems, checked } = checkLineLimits(root, config);
  const shown = path.relative(process.cwd(), configFile);
  const lines = problems.map((problem) => `error max-lines: ${problem}`);
  if (problems.length > 0) {
    lines.push(`x ${problems.length} line-limit problem(s) in ${checked} files (limit ${config.limit} lines; config: ${shown})`);
  } else {
    const excepted = Object.keys(config.exceptions).length;
    lines.push(`✔ ${checked} source files within ${config.limit} lines (${excepted} known exception(s), listed in ${shown})`);
  }
  return { status: problems.length > 0 ? 1 : 0, output: `${lines.join('\n')}\n` };
}

/**
 * CLI: `node tools/arch/max-lines.mjs [ROOT [CONFIG]]` (defaults: the
 * repository, tools/arch/max-lines.config.mjs). Exit 1 with one line per problem.
 */
async function main() {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const root = path.resolve(process.argv[2] ?? path.join(here, '../..'));
  const configFile = path.resolve(process.argv[3] ?? path.join(here, 'max-lines.config.mjs'));
  const { status, output } = await reportLineLimits(root, configFile);
  (status === 0 ? process.stdout : process.stderr).write(output);
  process.exitCode = status;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
