/**
 * The `udpchat-relay` program: parse the command line, load the shared
 * secret, start the relay, log its stats on SIGUSR1, stop it on
 * SIGINT/SIGTERM. Exit codes: 0 after a signal or --help/--version, 1 when
 * the relay cannot start (a port in use is probed to say who holds it,
 * probe.ts; in cluster mode, NATS not reachable), 2 for a command-line mistake (a missing or
 * too-short secret included).
 * Importing this module runs the program (bin/udpchat-relay.js does).
 */
import type { Logger } from 'pino';
import { parseCli, PROGRAM, readVersion, USAGE } from './cli.js';
import { RelayStartError } from '../io/errors.js';
import { createLogger } from '../observe/log.js';
import { startRelay, type Relay } from '../relay.js';
import { loadSecret, SECRET_ENV } from '@udpchat/net';
import { describePortInUse, probePort } from '../io/probe.js';
import { StoreError } from '@udpchat/store';
import { runNames } from './names.js';
import { ClusterStartError } from '../cluster/options.js';

/** After a signal, exit at the latest this long after it, in ms, even if stopping hangs. */
const FORCE_EXIT_MS = 900;
/**
 * A second signal this soon after the first, in ms, is the same request
 * delivered twice, not an impatient second Ctrl+C: a terminal's Ctrl+C goes
 * to the whole process group, and `npm run` / `pnpm run` (without
 * shellEmulator) also forward it to their child.
 */
const DUPLICATE_SIGNAL_MS = 500;

function flush(logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    try {
      logger.flush(() => resolve());
    } catch {
      resolve();
    }
  });
}

/**
 * Installs the SIGINT/SIGTERM handlers (before the relay starts, so that no
 * signal can arrive while the default "terminate at once" still applies).
 * First signal: stop the attached relay (at once, or as soon as it is
 * attached), flush the log, exit 0 — and exit 0 anyway after FORCE_EXIT_MS.
 * A second signal within DUPLICATE_SIGNAL_MS is the same one delivered twice
 * (ignored); a later one exits at once (130 for SIGINT, 143 for SIGTERM).
 * @returns `attach(relay)`: the relay to stop.
 */
function handleSignals(logger: Logger): { attach(relay: Relay): void } {
  let relay: Relay | undefined;
  let requested = false;
  let requestedAt = 0;
  const shutdown = (running: Relay): void => {
    void running
      .stop()
      .then(() => flush(logger))
      .finally(() => process.exit(0));
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (requested) {
      if (performance.now() - requestedAt < DUPLICATE_SIGNAL_MS) {
        logger.debug({ signal }, 'signal delivered twice: already stopping');
        return;
      }
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
    requested = true;
    requestedAt = performance.now();
    logger.info({ signal }, 'signal received');
    setTimeout(() => {
      logger.warn({ afterMs: FORCE_EXIT_MS }, 'relay did not stop in time: exiting');
      process.exit(0);
    }, FORCE_EXIT_MS).unref();
    if (relay) shutdown(relay);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A listener also keeps Node from opening its inspector on SIGUSR1.
  process.on('SIGUSR1', () => {
    if (relay && !requested) relay.logStats();
  });
  return {
    attach(running: Relay): void {
      relay = running;
      if (requested) shutdown(running);
    },
  };
}

/**
 * Runs the program with `argv` (the arguments after the program name).
 * @returns the exit code when the program ends by itself (help, version,
 *   mistakes, start failures), or null once the relay runs (a signal ends it).
 */
export async function main(argv: readonly string[]): Promise<number | null> {
  if (argv[0] === 'names') return runNames(argv.slice(1));
  const command = parseCli(argv);
  switch (command.kind) {
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return 0;
    case 'version':
      process.stdout.write(`${PROGRAM} ${readVersion()}\n`);
      return 0;
    case 'error':
      process.stderr.write(`${PROGRAM}: ${command.message}\n${USAGE}\n`);
      return 2;
    case 'run':
      break;
  }
  const secret = loadSecret({ file: command.secretFile ?? undefined, env: process.env[SECRET_ENV] });
  if (secret !== null && 'error' in secret) {
    process.stderr.write(`${PROGRAM}: ${secret.error}\n${USAGE}\n`);
    return 2;
  }
  const logger = createLogger({ level: command.logLevel });
  const signals = handleSignals(logger);
  if (secret) logger.info({ source: secret.source }, 'shared-secret mode');
  let relay: Relay;
  try {
    relay = await startRelay({
      host: command.host,
      port: command.port,
      plainPeers: command.plainPeers,
      rateLimit: command.rateLimit,
      maxContacts: command.maxContacts,
      maxPerIp: command.maxPerIp,
      storeFile: command.storeFile,
      offlineLimits: command.offlineLimits,
      heartbeatIntervalMs: command.presence.heartbeatIntervalMs,
      presenceTimeoutMs: command.presence.presenceTimeoutMs,
      ...(secret ? { secret: secret.key } : {}),
      ...(command.cluster ? { cluster: { url: command.cluster.url, ...(command.cluster.relayId !== null && { relayId: command.cluster.relayId }) } } : {}),
      logger,
      ...(command.simulate ? { simulate: command.simulate } : {}),
    });
  } catch (err) {
    if (err instanceof RelayStartError && err.code === 'ADDRESS_IN_USE') {
      // Say who holds it: a client hosting the relay, another relay, another program.
      const holder = await probePort(command.host, command.port, secret ? { secret: secret.key } : {});
      process.stderr.write(`${PROGRAM}: ${describePortInUse(command.port, holder)}\n`);
      return 1;
    }
    if (err instanceof StoreError) {
      // A corrupt or torn store: refuse to start (never start empty); the message names the file and the way out.
      process.stderr.write(`${PROGRAM}: ${err.message}\n`);
      return 1;
    }
    if (err instanceof RelayStartError || err instanceof RangeError || err instanceof ClusterStartError) {
      // ClusterStartError: NATS is not reachable (a wrong URL, or not running): one line, exit 1 (CLUSTER.md "NATS down").
      process.stderr.write(`${PROGRAM}: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  signals.attach(relay);
  return null;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== null) process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`${PROGRAM}: unexpected failure: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
