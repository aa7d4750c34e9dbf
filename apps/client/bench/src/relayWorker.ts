/**
 * Worker thread of the relay burst: runs the relay and the sending session
 * ("bob"), so that their CPU is not charged to the client's event loop.
 * Messages: main -> worker `join` (open bob), `burst` (send), `stop`;
 * worker -> main `ready` (relay port), `joined`, `sent`, `stopped`.
 */
import { parentPort } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { startRelay } from '@udpchat/server';
import { ChatSession } from '../../dist/net/session.js';
import type { FromWorker, ToWorker } from './relayPeer.js';

const port = parentPort;
if (!port) throw new Error('relayWorker.js runs as a worker thread');
const post = (message: FromWorker) => port.postMessage(message);

const relay = await startRelay({ host: '127.0.0.1', port: 0 });
let bob: ChatSession | null = null;
post({ type: 'ready', port: relay.address.port });

port.on('message', (message: ToWorker) => {
  void handle(message).catch((err: unknown) => post({ type: 'error', message: err instanceof Error ? err.message : String(err) }));
});

async function handle(message: ToWorker): Promise<void> {
  switch (message.type) {
    case 'join': {
      bob = await ChatSession.open({ host: '127.0.0.1', port: relay.address.port, name: 'bob', autoHost: false });
      bob.start();
      const deadline = performance.now() + 5000;
      while (bob.registration !== 'registered') {
        if (performance.now() > deadline) throw new Error('bob did not register');
        await new Promise((r) => setTimeout(r, 5));
      }
      post({ type: 'joined' });
      return;
    }
    case 'burst': {
      const sender = bob;
      if (!sender) throw new Error('burst before join');
      const start = performance.now();
      let i = 0;
      await new Promise<void>((resolve) => {
        // Message i is due at start + i * durationMs / count; a 1 ms timer sends all that are due.
        const pump = () => {
          const now = performance.now();
          while (i < message.count && start + (i * message.durationMs) / message.count <= now) {
            sender.send('all', `relay ${i + 1} from bob over UDP, message ${i + 1} of ${message.count}`);
            i++;
          }
          if (i < message.count) setTimeout(pump, 1);
          else resolve();
        };
        pump();
      });
      post({ type: 'sent', count: i, spanMs: performance.now() - start });
      return;
    }
    case 'stop':
      await bob?.close();
      await relay.stop();
      post({ type: 'stopped' });
      port?.close();
      return;
  }
}
