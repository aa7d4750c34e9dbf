/**
 * Real relays and sessions for client tests: a relay on 127.0.0.1 port 0 in
 * this process (the same code as `pnpm relay`) and ChatSessions over real UDP.
 */
import { startRelay, type Relay } from '@udpchat/server';
import { ChatSession } from '../../src/net/session.js';
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
