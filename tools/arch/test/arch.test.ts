/**
 * The architecture check (tools/arch/run.mjs, behind tools/arch/check.mjs and
 * `pnpm arch`), in-process: on this repository, as part of the test run (no
 * dependency violation, no source file over the line limit), and on small
 * repositories made here: it must pass a clean one and fail each broken rule,
 * naming it. One file, one process: dependency-cruiser and typescript load once
 * for the three checks (in child processes they cost about a second of CPU each).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: plain JavaScript (JSDoc-typed), no declaration file
import { checkLineLimits, countLines } from '../max-lines.mjs';
// @ts-expect-error: plain JavaScript (JSDoc-typed), no declaration file
import { checkArchitecture } from '../run.mjs';

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** A throwaway repository with `files` (relative path -> content) and a max-lines config without exceptions. */
function repo(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'udpchat-arch-'));
  roots.push(root);
  const all: Record<string, string> = {
    'max-lines.config.mjs': "export default { limit: 20, roots: ['apps/*/src', 'packages/*/src'], exceptions: {} };\n",
    ...files,
  };
  for (const [file, content] of Object.entries(all)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), content);
  }
  return root;
}

interface CheckResult {
  status: number;
  output: string;
}

/** Runs the real check on `root` (with its max-lines.config.mjs): its exit status and the report `pnpm arch` would print. */
function check(root: string): Promise<CheckResult> {
  return checkArchitecture(root, path.join(root, 'max-lines.config.mjs')) as Promise<CheckResult>;
}

const CLEAN = {
  'packages/protocol/src/index.ts': 'export const VERSION = 1;\n',
  'packages/net/src/index.ts': "import { VERSION } from '../../protocol/src/index.js';\nexport const NET = VERSION;\n",
  'apps/server/src/index.ts': "import { NET } from '../../../packages/net/src/index.js';\nexport const startRelay = (): number => NET;\n",
  'apps/client/src/net/hosting.ts': "import { startRelay } from '../../../server/src/index.js';\nexport const host = startRelay;\n",
  'apps/client/src/main.ts': "import { host } from './net/hosting.js';\nimport { NET } from '../../../packages/net/src/index.js';\nhost();\nvoid NET;\n",
  'apps/client/test/chat.test.ts': "import { startRelay } from '../../server/src/index.js';\nvoid startRelay;\n",
};

/** One repository breaking every rule at once (each check costs some tenths of a second, a lot more on a busy machine). */
const BROKEN = {
  ...CLEAN,
  // a cycle of type-only imports
  'apps/server/src/a.ts': "import type { B } from './b.js';\nexport interface A { b?: B }\n",
  'apps/server/src/b.ts': "import type { A } from './a.js';\nexport interface B { a?: A }\n",
  // a cycle between test helpers
  'apps/server/test/helpers/peer.ts': "import { open } from './socket.js';\nexport const peer = open;\n",
  'apps/server/test/helpers/socket.ts': "import { peer } from './peer.js';\nexport const open = (): unknown => peer;\n",
  'apps/client/src/ui.ts': "import { startRelay } from '../../server/src/index.js';\nvoid startRelay;\n",
  'packages/protocol/src/bad.ts': "import { NET } from '../../net/src/index.js';\nvoid NET;\n",
  'packages/net/src/bad.ts': "import { startRelay } from '../../../apps/server/src/index.js';\nvoid startRelay;\n",
  'apps/server/src/lost.ts': "import { gone } from './gone.js';\nvoid gone;\n",
  'apps/server/src/long.ts': 'export const x = 1;\n'.repeat(21),
};

// The first check loads dependency-cruiser and typescript (a second or two alone; much longer on 2 cores busy
// with the rest of the suite); this repository's, some 400 modules, takes a few seconds more.
const SLOW = 120_000;

describe('this repository', () => {
  it('keeps the architecture rules: no dependency violation, no source file over the line limit', async () => {
    const result = await checkArchitecture();
    // On a violation the check's own report is the failure message.
    expect(result).toMatchObject({ status: 0 });
    expect(result.output).toContain('no dependency violations found');
    expect(result.output).toMatch(/source files within 350 lines/);
  }, SLOW);
});

describe('the architecture check', () => {
  it('passes a repository that keeps the rules', async () => {
    const result = await check(repo(CLEAN));
    expect(result.output).toContain('no dependency violations found');
    expect(result.output).toContain('within 20 lines');
    expect(result.status).toBe(0);
  }, SLOW);

  describe('on a repository that breaks the rules', () => {
    let result: CheckResult;
    beforeAll(async () => {
      result = await check(repo(BROKEN));
    }, SLOW);

    it('fails', () => {
      expect(result.status).toBe(1);
    });

    it('names an import cycle, type-only imports included', () => {
      expect(result.output).toMatch(/error no-cycles: apps\/server\/src\/(a|b)\.ts/);
    });

    it('names a cycle between test helpers', () => {
      expect(result.output).toContain('error no-cycles: apps/server/test/helpers/');
    });

    it('names the client program importing the server outside net/hosting.ts (and only that: tests may)', () => {
      expect(result.output).toContain('error client-imports-server-only-to-host: apps/client/src/ui.ts → apps/server/src/index.ts');
      expect(result.output).not.toContain('apps/client/src/net/hosting.ts →');
      expect(result.output).not.toContain('apps/client/test/');
    });

    it('names packages/protocol importing another package, and packages/net importing an app', () => {
      expect(result.output).toContain('error protocol-is-pure: packages/protocol/src/bad.ts → packages/net/src/index.ts');
      expect(result.output).toContain('error net-imports-no-app: packages/net/src/bad.ts → apps/server/src/index.ts');
    });

    it('names an import that does not resolve', () => {
      expect(result.output).toContain('error resolvable: apps/server/src/lost.ts → ./gone.js');
    });

    it('names a source file over the line limit', () => {
      expect(result.output).toContain('apps/server/src/long.ts: 21 lines, over the limit of 20');
    });
  });
});

describe('checkLineLimits', () => {
  const config = (exceptions: Record<string, string> = {}) => ({ limit: 3, roots: ['apps/*/src', 'packages/*/src'], exceptions });

  it('counts lines as an editor numbers them', () => {
    expect([countLines(''), countLines('a'), countLines('a\n'), countLines('a\nb'), countLines('a\n\n')]).toEqual([0, 1, 1, 2, 2]);
  });

  it('checks .ts and .tsx under the roots only, at any depth', () => {
    const root = repo({
      'apps/client/src/ui/deep/App.tsx': 'a\nb\nc\nd\n',
      'apps/client/src/ok.ts': 'a\nb\nc\n',
      'apps/client/src/types.d.ts': 'a\nb\nc\nd\n',
      'apps/client/test/long.test.ts': 'a\nb\nc\nd\n',
      'packages/net/src/long.ts': 'a\nb\nc\nd\ne\n',
    });
    expect(checkLineLimits(root, config())).toEqual({
      problems: [
        'apps/client/src/ui/deep/App.tsx: 4 lines, over the limit of 3: split it (one concern per file)',
        'packages/net/src/long.ts: 5 lines, over the limit of 3: split it (one concern per file)',
      ],
      checked: 3,
    });
  });

  it('lets a listed exception through, and fails an exception that is no longer needed', () => {
    const root = repo({ 'apps/server/src/big.ts': 'a\nb\nc\nd\n', 'apps/server/src/small.ts': 'a\n' });
    expect(checkLineLimits(root, config({ 'apps/server/src/big.ts': 'to split' })).problems).toEqual([]);
    expect(
      checkLineLimits(root, config({ 'apps/server/src/small.ts': 'was split', 'apps/server/src/gone.ts': 'removed' })).problems,
    ).toEqual([
      'apps/server/src/big.ts: 4 lines, over the limit of 3: split it (one concern per file)',
      'apps/server/src/gone.ts: listed as an exception to the line limit but not found: remove it from the exceptions',
      'apps/server/src/small.ts: 1 lines, within the limit of 3 now: remove it from the exceptions',
    ]);
  });
});
