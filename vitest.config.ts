import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/**
 * One root config, one project per workspace package. Tests run on the
 * TypeScript sources (the aliases below), never on a build; only tests that
 * spawn the real programs use the compiled `dist/` that `pnpm test` builds first.
 */
export default defineConfig({
  resolve: {
    alias: [
      { find: '@udpchat/protocol', replacement: here('./packages/protocol/src/index.ts') },
      { find: '@udpchat/net', replacement: here('./packages/net/src/index.ts') },
      { find: '@udpchat/store', replacement: here('./packages/store/src/index.ts') },
      { find: '@udpchat/server', replacement: here('./apps/server/src/index.ts') },
      // The simulation's `#client/*` (apps/sim/package.json "imports": the client's built files): its sources here.
      { find: /^#client\/(.*)\.js$/, replacement: `${here('./apps/client/src/')}$1.ts` },
    ],
  },
  test: {
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
    testTimeout: 30_000,
    // Most test files wait on sockets and timers, not the CPU: on a 2-core machine vitest's
    // default (cores - 1 = one file at a time) leaves the CPU idle. Four files at once.
    maxWorkers: 4,
    hookTimeout: 30_000,
    // A fresh XDG_DATA_HOME / XDG_STATE_HOME per test file (keys, histories, relay stores).
    setupFiles: [here('./tools/test/isolateDataDirs.ts')],
    projects: [
      { extends: true, test: { name: 'protocol', root: here('./packages/protocol'), include: ['test/**/*.test.ts'] } },
      { extends: true, test: { name: 'net', root: here('./packages/net'), include: ['test/**/*.test.ts'] } },
      { extends: true, test: { name: 'store', root: here('./packages/store'), include: ['test/**/*.test.ts'] } },
      { extends: true, test: { name: 'arch', root: here('./tools/arch'), include: ['test/**/*.test.ts'] } },
      { extends: true, test: { name: 'server', root: here('./apps/server'), include: ['test/**/*.test.ts'] } },
      { extends: true, test: { name: 'sim', root: here('./apps/sim'), include: ['test/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'client',
          root: here('./apps/client'),
          include: ['test/**/*.test.{ts,tsx}'],
          // Colours in rendered frames (chalk reads this at import time).
          env: { FORCE_COLOR: '1' },
        },
      },
    ],
  },
});
