import { fileURLToPath } from 'node:url';
import { relative } from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { tuneEngine } from './packages/store/src/engine.js';

// The programs' launchers raise V8's WebAssembly tiering budget before SQLite's WebAssembly compiles
// (packages/store/src/engine.ts); the tests run under the same V8 setting (worker threads share this
// process's flags). Without it, each worker recompiles SQLite's biggest functions with the optimizing
// compiler in its first queries (store-heavy test files: ~25 % more CPU).
tuneEngine();

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/**
 * The longest test files (wall seconds on the 2-core machine), longest first: those that mostly
 * wait on real time, then the CPU-bound, so that the waiting overlaps the CPU work. Longest-first
 * packing keeps one long file from starting last, e.g. the simulation's 1,000 seeds (two files of
 * 500; its project, `sim`, sorts last by name). A file not
 * listed runs after these, in vitest's order (slowest first by the cache of the previous run on
 * this machine, else largest first). The list only orders: a stale entry costs a little time.
 */
const LONGEST_FIRST = [
  // Waiting on real time more than on the CPU (outages, fail-over, registration retries): first, beside the CPU-bound.
  'apps/client/test/takeover.test.ts',
  'apps/client/test/reliability.test.ts',
  // The simulation's 1,000 seeds, CPU-bound.
  'apps/sim/test/sim.test.ts',
  'apps/sim/test/simSeeds.test.ts',
  'apps/client/test/lineMode.test.ts',
  'apps/client/test/e2e.test.ts',
  'apps/client/test/names.test.ts',
  'apps/server/test/benchSmoke.test.ts',
  'apps/server/test/clusterFailure.test.ts',
  'apps/server/test/clusterProcess.test.ts',
  'apps/client/test/failover.test.ts',
  'apps/client/test/clusterFailover.test.ts',
  'apps/client/test/lineModePrivacy.test.ts',
  'tools/arch/test/arch.test.ts',
  'apps/server/test/durability.test.ts',
  'packages/protocol/test/replayWindow.test.ts',
  'apps/client/test/tuiScreen.test.ts',
  'apps/client/test/secret.test.ts',
  'apps/server/test/cli.test.ts',
  'apps/server/test/paging.test.ts',
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
    // Worker threads, each running file after file with the modules it imported kept (no fresh
    // worker and module graph per file): on 2 cores the suite's CPU is its limit, and a fresh
    // fork re-importing Ink, React and the sources for each of ~65 files cost about a fifth of it
    // (CPU of the whole run, user + sys: ~160 s -> ~120-135 s). Test files keep no state in shared
    // modules between files: each stops what it started in afterEach/afterAll.
    pool: 'threads',
    isolate: false,
    sequence: { sequencer: LongestFirst },
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
