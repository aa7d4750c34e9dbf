/**
 * The relay side of the real-UDP burst, seen from the main thread: a worker
 * thread with the relay and a sender session, and the client's own
 * ChatSession here (the one the measured UI renders).
 */
import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { ChatSession } from '../../dist/net/session.js';

/** Main thread -> worker. */
export type ToWorker = { type: 'join' } | { type: 'burst'; count: number; durationMs: number } | { type: 'stop' };

/** Worker -> main thread. */
export type FromWorker =
  | { type: 'ready'; port: number }
  | { type: 'joined' }
  | { type: 'sent'; count: number; spanMs: number }
  | { type: 'stopped' }
  | { type: 'error'; message: string };

/** A running relay + sender, and the registered client session "alice". */
export interface RelayPeer {
  /** The client's session (registered, bob already in its contact list). */
  client: ChatSession;
  /**
   * Has bob send `count` group messages spread over `durationMs` ms.
   * @returns when the last was sent
   */
  burst(count: number, durationMs: number): Promise<{ count: number; spanMs: number }>;
  /** Closes both sessions, stops the relay and the worker. */
  stop(): Promise<void>;
}

/** Starts the worker and the relay, registers alice here and bob there. */
export async function startRelayPeer(): Promise<RelayPeer> {
  const worker = new Worker(new URL('./relayWorker.js', import.meta.url));
  const next = <T extends FromWorker['type']>(type: T, timeoutMs: number) =>
    new Promise<Extract<FromWorker, { type: T }>>((resolve, reject) => {
      const timer = setTimeout(() => {
        worker.off('message', onMessage);
        reject(new Error(`relay worker: no '${type}' within ${timeoutMs} ms`));
      }, timeoutMs);
      const onMessage = (message: FromWorker) => {
        if (message.type === 'error') {
          clearTimeout(timer);
          worker.off('message', onMessage);
          reject(new Error(`relay worker: ${message.message}`));
        } else if (message.type === type) {
          clearTimeout(timer);
          worker.off('message', onMessage);
          resolve(message as Extract<FromWorker, { type: T }>);
        }
      };
      worker.on('message', onMessage);
    });
  const send = (message: ToWorker) => worker.postMessage(message);

  try {
    const { port } = await next('ready', 10_000);
    const client = await ChatSession.open({ host: '127.0.0.1', port, name: 'alice', autoHost: false });
    client.start();
    await until(() => client.registration === 'registered', 5000, 'alice to register');
    send({ type: 'join' });
    await next('joined', 10_000);
    await until(() => client.contacts().some((c) => c.name === 'bob'), 5000, 'alice to see bob');
    return {
      client,
      async burst(count, durationMs) {
        const sent = next('sent', durationMs + 30_000);
        send({ type: 'burst', count, durationMs });
        const { count: n, spanMs } = await sent;
        return { count: n, spanMs };
      },
      async stop() {
        await client.close();
        const stopped = next('stopped', 5000);
        send({ type: 'stop' });
        await stopped.catch(() => undefined);
        await worker.terminate();
      },
    };
  } catch (err) {
    await worker.terminate();
    throw err;
  }
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
