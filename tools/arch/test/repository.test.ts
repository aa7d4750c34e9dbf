/**
 * The architecture check (tools/arch/check.mjs, also `pnpm arch`) on this
 * repository, as part of the test run: `pnpm test` runs it here, side by side
 * with the other test files, instead of alone between the build and vitest
 * (it costs some 4 s of CPU: dependency-cruiser and typescript load).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const CHECK = fileURLToPath(new URL('../check.mjs', import.meta.url));
const run = promisify(execFile);

describe('this repository', () => {
  it('keeps the architecture rules: no dependency violation, no source file over the line limit', async () => {
    const result = await run(process.execPath, [CHECK], { encoding: 'utf8' }).then(
      ({ stdout, stderr }) => ({ status: 0, output: `${stdout}${stderr}` }),
      (err: { code?: number; stdout?: string; stderr?: string }) => ({ status: err.code ?? null, output: `${err.stdout ?? ''}${err.stderr ?? ''}` }),
    );
    // On a violation the check's own report is the failure message.
    expect(result).toMatchObject({ status: 0 });
    expect(result.output).toContain('no dependency violations found');
    expect(result.output).toMatch(/source files within 350 lines/);
  }, 120_000); // a few seconds alone; much longer on 2 cores busy with the rest of the suite
});
