import { fileURLToPath } from 'node:url';
import { relative } from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/**
 * The longest test files, longest first (seconds on an idle 2-core machine, CPU-bound ones
 * first: they set the suite's length). Longest-first packing keeps one long file from starting
 * last, e.g. the simulation's 1,000 seeds (its project, `sim`, sorts last by name). A file not
 * listed runs after these, in vitest's order (slowest first by the cache of the previous run on
 * this machine, else largest first). The list only orders: a stale entry costs a little time.
 */
const LONGEST_FIRST = [
  'apps/sim/test/sim.test.ts',
  'apps/client/test/e2e.test.ts',
  'apps/client/test/lineMode.test.ts',
  'apps/server/test/benchSmoke.test.ts',
  'apps/server/test/blast.test.ts',
  'apps/client/test/takeover.test.ts',
  'apps/client/test/reliability.test.ts',
  'apps/server/test/cli.test.ts',
  'apps/client/test/tuiScreen.test.ts',
  'tools/arch/test/arch.test.ts',
  'tools/arch/test/repository.test.ts',
  'apps/client/test/deliveryStructures.test.ts',
  'packages/protocol/test/envelope.test.ts',
  'apps/client/test/lineModePrivacy.test.ts',
  'apps/client/test/names.test.ts',
];

/** Vitest's order, with LONGEST_FIRST moved to the front. */
class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification) => {
      const i = LONGEST_FIRST.indexOf(relative(here('.'), f.moduleId).split('\\').join('/'));
      return i < 0 ? LONGEST_FIRST.length : i;
    };
    return sorted.map((f, i) => ({ f, i })).sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i).map(({ f }) => f);
  }
}

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
    // Worker threads rather than forked processes: cheaper to start, one per test file. The pure
    // projects below (no sockets, no timers left behind) also keep their modules from file to
    // file (isolate: false); the socket and process tests keep a fresh worker per file, so that
    // nothing a file leaves running (a timer, a socket) takes CPU from the next one.
    pool: 'threads',
    sequence: { sequencer: LongestFirst },
    hookTimeout: 30_000,
    projects: [
      { extends: true, test: { name: 'protocol', isolate: false, root: here('./packages/protocol'), include: ['test/**/*.test.ts'] } },
      { extends: true, test: { name: 'net', isolate: false, root: here('./packages/net'), include: ['test/**/*.test.ts'] } },
      { extends: true, test: { name: 'arch', isolate: false, root: here('./tools/arch'), include: ['test/**/*.test.ts'] } },
      { extends: true, test: { name: 'server', root: here('./apps/server'), include: ['test/**/*.test.ts'] } },
      { extends: true, test: { name: 'sim', isolate: false, root: here('./apps/sim'), include: ['test/**/*.test.ts'] } },
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
