/**
 * A real nats-server for cluster tests: the launcher lives beside the cluster
 * benchmark (apps/server/bench/natsServer.ts, which `pnpm bench cluster` uses
 * too); tests import it from here.
 */
export * from '../../apps/server/bench/natsServer.js';

import { afterAll, beforeAll } from 'vitest';
import { startNatsServer, type NatsServer } from '../../apps/server/bench/natsServer.js';

/**
 * A real nats-server (JetStream on, a temporary store dir) for the enclosing
 * `describe`: started in its `beforeAll`, stopped in its `afterAll`. Read
 * `url` (or `server`) inside tests.
 */
export function natsServerForSuite(): { readonly server: NatsServer; readonly url: string } {
  let server: NatsServer | undefined;
  beforeAll(async () => {
    server = await startNatsServer();
  });
  afterAll(async () => {
    await server?.stop();
  });
  const started = (): NatsServer => {
    if (server === undefined) throw new Error('natsServerForSuite: the server is started in beforeAll');
    return server;
  };
  return {
    get server() {
      return started();
    },
    get url() {
      return started().url;
    },
  };
}
