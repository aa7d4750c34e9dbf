/**
 * The architecture check (tools/arch/check.mjs, also `pnpm arch`) on this
 * repository, as part of the test run: `pnpm test` runs it here, side by side
 * with the other test files, instead of alone between the build and vitest
 * (it costs some 4 s of CPU: dependency-cruiser and typescript load).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const CHECK = fileURLToPath(new URL('../check.mjs', import.meta.url));

describe('this repository', () => {
  it('keeps the architecture rules: no dependency violation, no source file over the line limit', () => {
    const run = spawnSync(process.execPath, [CHECK], { encoding: 'utf8', timeout: 60_000 });
    const output = `${run.stdout}${run.stderr}`;
    // On a violation the check's own report is the failure message.
    expect({ status: run.status, output }).toMatchObject({ status: 0 });
    expect(output).toContain('no dependency violations found');
    expect(output).toMatch(/source files within 350 lines/);
  });
});
