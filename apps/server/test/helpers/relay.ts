/**
 * Relays for tests: real sockets on 127.0.0.1 port 0, stopped after each test,
 * optionally with a logger that captures its JSON lines.
 */
import type { AuthKey } from '@udpchat/protocol';
import { pino, type Logger } from 'pino';
import { afterEach } from 'vitest';
import { startRelay, type Relay, type RelayOptions } from '../../src/index.js';
import { TestPeer } from './peer.js';
import { RawPeer } from './raw.js';

const open: Array<{ close(): Promise<void> }> = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

/** A relay on 127.0.0.1:0, stopped after the test. */
export async function testRelay(options: RelayOptions = {}): Promise<Relay> {
  const relay = await startRelay({ host: '127.0.0.1', port: 0, ...options });
  open.push({ close: () => relay.stop() });
  return relay;
}

/** A peer of `relay` (signing with `options.secret`, bound to `options.port`), closed after the test. */
export async function peerOf(relay: Relay, options: Parameters<typeof TestPeer.open>[1] = {}): Promise<TestPeer> {
  const peer = await TestPeer.open(relay.address, options);
  open.push(peer);
  return peer;
}

/** A plain-text (netcat-style) peer of `relay`, closed after the test. */
export async function rawPeerOf(relay: Relay): Promise<RawPeer> {
  const peer = await RawPeer.open(relay.address);
  open.push(peer);
  return peer;
}

/** `n` peers of `relay` registered in order under `names`. */
export async function registered(relay: Relay, ...names: string[]): Promise<TestPeer[]> {
  return registeredWith(relay, undefined, ...names);
}

/** `n` peers of `relay` registered in order under `names`, signing with `secret`. */
export async function registeredWith(relay: Relay, secret: AuthKey | undefined, ...names: string[]): Promise<TestPeer[]> {
  const peers: TestPeer[] = [];
  for (const name of names) {
    const peer = await peerOf(relay, secret ? { secret } : {});
    await peer.register(name);
    peers.push(peer);
  }
  return peers;
}

/** A log line as parsed JSON. */
export type LogLine = Record<string, unknown> & { msg: string; level: number };

/** A pino logger (level `trace`) whose lines are parsed into `lines`. */
export function captureLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = pino({ level: 'trace' }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  return { logger, lines };
}
