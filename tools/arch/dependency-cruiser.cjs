/**
 * The architecture rules, checked by dependency-cruiser on every `pnpm test`
 * (tools/arch/check.mjs, after tsc, before vitest). Paths are relative to the
 * directory it runs in (the repository root, or a test fixture).
 *
 * @type {import('dependency-cruiser').IConfiguration}
 */
const path = require('node:path');

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment:
        'No import cycles between modules (sources, tests and benchmarks; type-only imports count too): ' +
        'a cycle means two modules cannot be understood, tested or moved apart. Break it by moving the shared part into a module both import.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'client-imports-server-only-to-host',
      severity: 'error',
      comment:
        'The client program uses the relay only to host one in-process (apps/client/src/net/hosting.ts, which also re-exports the Relay type). ' +
        'What both apps need lives in packages/net. The client tests and benchmarks may start a real relay to talk to.',
      from: { path: '^apps/client/src/', pathNot: '^apps/client/src/net/hosting\\.ts$' },
      to: { path: '^apps/server/' },
    },
    {
      name: 'server-imports-no-client',
      severity: 'error',
      comment: 'The relay knows nothing of the client.',
      from: { path: '^apps/server/' },
      to: { path: '^apps/client/' },
    },
    {
      name: 'sim-drives-only-the-cores',
      severity: 'error',
      comment:
        "The simulation (apps/sim) runs the client's sans-I/O protocol core (apps/client/src/net/core and net/delivery, reached as `#client/*`, " +
        'which resolves to apps/client/dist) and the relay core (@udpchat/server): never the UI, the store or the socket driver.',
      from: { path: '^apps/sim/src/' },
      to: { path: '^apps/client/', pathNot: '^apps/client/(dist|src)/net/(core|delivery)/' },
    },
    {
      name: 'sim-has-no-real-io',
      severity: 'error',
      comment: 'The simulation is deterministic: no sockets and no timers in its sources (the virtual clock and the bus stand in for them).',
      from: { path: '^apps/sim/src/' },
      to: { dependencyTypes: ['core'], path: '^(node:)?(dgram|net|timers|timers/promises)$' },
    },
    {
      name: 'nothing-imports-the-sim',
      severity: 'error',
      comment: 'The simulation is a test harness: no program or package depends on it.',
      from: { pathNot: '^apps/sim/' },
      to: { path: '^apps/sim/' },
    },
    {
      name: 'protocol-is-pure',
      severity: 'error',
      comment: 'packages/protocol is the wire format: it imports no app and no other workspace package.',
      from: { path: '^packages/protocol/' },
      to: { path: '^(apps/|packages/(?!protocol/))' },
    },
    {
      name: 'net-imports-no-app',
      severity: 'error',
      comment: 'packages/net is shared by both apps, so it imports neither.',
      from: { path: '^packages/net/' },
      to: { path: '^apps/' },
    },
    {
      name: 'resolvable',
      severity: 'error',
      comment:
        'Every import resolves. Also keeps this check honest: an import it cannot resolve is one it cannot check.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // Built output and the launchers that import it (bin/, bench-bin/, the client bench's ../../dist imports) are not sources.
    // Except the client's dist/ as the simulation reaches it (apps/sim `#client/*`, see the sim rule): kept as a leaf, so that the rule sees it.
    exclude: { path: '(^|/)(node_modules|dist-bench|bin|bench-bin)(/|$)|^packages/[^/]+/dist/|^apps/(server|sim)/dist/|^apps/[^/]+/bench/dist/' },
    doNotFollow: { path: '(^|/)node_modules(/|$)|^apps/client/dist/' },
    // Type-only imports are dependencies too (a type cycle is still a cycle).
    tsPreCompilationDeps: true,
    tsConfig: { fileName: path.join(__dirname, '../../tsconfig.depcruise.json') },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'types', 'node', 'default'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.d.ts'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
