/**
 * Real relays and sessions for client tests: a relay on 127.0.0.1 port 0 in
 * this process (the same code as `pnpm relay`) and ChatSessions over real UDP.
 */
import { afterEach, beforeEach } from 'vitest';
import { startRelay, type Relay } from '@udpchat/server';
import { ChatSession } from '../../src/net/session.js';
import { ChatStore } from '../../src/state/store.js';
import { until } from './wait.js';

/** A relay on 127.0.0.1, ephemeral port. */
export function testRelay(): Promise<Relay> {
  return startRelay({ host: '127.0.0.1', port: 0 });
}

/** A started, registered session named `name` at `relay`. */
export async function registeredSession(relay: Relay, name: string): Promise<ChatSession> {
  const session = await ChatSession.open({ host: '127.0.0.1', port: relay.address.port, name, autoHost: false });
  session.start();
  await until(() => session.registration === 'registered', `${name} to register`);
  return session;
}

/** Collects the chat messages a session receives. */
export function inbox(session: ChatSession): Array<{ from: string; to: string; text: string }> {
  const got: Array<{ from: string; to: string; text: string }> = [];
  session.on('chat', (m) => got.push({ from: m.from, to: m.to, text: m.text }));
  return got;
}

/** What `storeFixture` sets up for each test: a relay, alice's session under a ChatStore, bob's session. */
export interface StoreFixture {
  readonly relay: Relay;
  readonly alice: ChatSession;
  readonly bob: ChatSession;
  readonly store: ChatStore;
}

/**
 * Registers beforeEach/afterEach hooks that give each test a real relay on
 * 127.0.0.1, alice registered under a ChatStore (notifying every 5 ms) and
 * bob registered; all are stopped after the test. `storeFirst`: alice's store
 * exists before bob registers (it sees bob join), else it starts after.
 * @returns the fixture, whose fields are the current test's.
 */
export function storeFixture(options: { storeFirst?: boolean } = {}): StoreFixture {
  let current: StoreFixture | null = null;
  const get = (): StoreFixture => {
    if (!current) throw new Error('storeFixture: used outside a test');
    return current;
  };
  beforeEach(async () => {
    const relay = await testRelay();
    const alice = await registeredSession(relay, 'alice');
    let store: ChatStore | null = options.storeFirst ? new ChatStore(alice, { notifyEveryMs: 5 }) : null;
    const bob = await registeredSession(relay, 'bob');
    store ??= new ChatStore(alice, { notifyEveryMs: 5 });
    current = { relay, alice, bob, store };
  });
  afterEach(async () => {
    const f = get();
    current = null;
    f.store.dispose();
    await f.bob.close();
    await f.alice.close();
    await f.relay.stop();
  });
  return {
    get relay() {
      return get().relay;
    },
    get alice() {
      return get().alice;
    },
    get bob() {
      return get().bob;
    },
    get store() {
      return get().store;
    },
  };
}
