/**
 * Who holds a port the relay could not bind (PROTOCOL.md §6.4): a padded
 * `hello` from a temporary socket; a `welcome` says a udpchat relay answers
 * there and, by its `hostedByClient`, whether a udpchat client hosts it; an
 * `error` says a udpchat relay answers but not which kind; silence means
 * another program. A registration the probe started is cancelled at once
 * (`bye` with its token), so it leaves nothing behind.
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { decodeDatagram, encode, ERROR_CODES, paddedHello, type AuthKey, type Message } from '@udpchat/protocol';

/** How long the probe waits for an answer by default, in ms. */
export const PROBE_TIMEOUT_MS = 500;

/** What answers on a port. */
export type PortHolder =
  /** A udpchat relay that welcomed the probe; `hostedByClient` as its `welcome` says. */
  | { readonly kind: 'relay'; readonly hostedByClient: boolean }
  /** A udpchat relay that refused the probe with `error` `code` (e.g. SECRET_REQUIRED): which kind is unknown. */
  | { readonly kind: 'relay-refused'; readonly code: string }
  /** No udpchat answer within the timeout: another program (or nothing reachable from here). */
  | { readonly kind: 'other' };

/** Options of `probePort`. */
export interface ProbeOptions {
  /** Sign the probe with this shared secret (the secret the relay was started with). */
  secret?: AuthKey;
  /** How long to wait for an answer, in ms. Default PROBE_TIMEOUT_MS (500). */
  timeoutMs?: number;
}

/** The address to probe for a relay bound to `host`: loopback for a wildcard host. */
export function probeAddress(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::' || host === '::0') return '::1';
  return host;
}

function send(socket: Socket, bytes: Uint8Array, port: number, address: string): Promise<void> {
  return new Promise((resolve) => socket.send(bytes, port, address, () => resolve()));
}

function close(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}

/**
 * Asks what answers at `host:port` (a wildcard host is probed on loopback).
 * Sends a `hello` padded to HELLO_MIN_BYTES under a random name
 * (`udpchat-probe-…`), signed with `options.secret` when given; a relay that
 * answers `NO_SECRET` is asked again unsigned. On a `welcome` it sends `bye`
 * with the welcome's token (cancelling the pending registration) before
 * resolving.
 * @returns who holds the port; never rejects (a socket failure is `other`).
 */
export async function probePort(host: string, port: number, options: ProbeOptions = {}): Promise<PortHolder> {
  const address = probeAddress(host);
  const timeoutMs = options.timeoutMs ?? PROBE_TIMEOUT_MS;
  const name = `udpchat-probe-${randomBytes(4).toString('hex')}`;
  const socket = createSocket(isIPv6(address) ? 'udp6' : 'udp4');
  let auth = options.secret;
  try {
    return await new Promise<PortHolder>((resolve) => {
      const timer = setTimeout(() => resolve({ kind: 'other' }), timeoutMs);
      const done = (holder: PortHolder): void => {
        clearTimeout(timer);
        resolve(holder);
      };
      const hello = (): Promise<void> => send(socket, encode(paddedHello(name, { auth }), { auth }), port, address);
      socket.on('error', () => done({ kind: 'other' }));
      socket.on('message', (bytes: Buffer, from: RemoteInfo) => {
        if (from.port !== port) return;
        let message: Message;
        try {
          message = decodeDatagram(bytes).message;
        } catch {
          return; // not a udpchat answer; wait for one or time out
        }
        if (message.kind === 'welcome') {
          const bye = encode({ kind: 'bye', reason: 'probe' }, { token: message.token, auth });
          void send(socket, bye, port, address).then(() => done({ kind: 'relay', hostedByClient: message.hostedByClient }));
        } else if (message.kind === 'error' && message.code === ERROR_CODES.NO_SECRET && auth !== undefined) {
          auth = undefined; // a relay without a secret: ask again as it expects
          void hello();
        } else if (message.kind === 'error') {
          done({ kind: 'relay-refused', code: message.code });
        }
      });
      socket.bind(0, () => void hello());
    });
  } finally {
    await close(socket);
  }
}

/**
 * The one-line reason `udpchat-relay` gives when `port` is in use, naming
 * who holds it, e.g. `port 8081 is in use by a udpchat client that hosts the
 * relay (quit it, or start clients with --no-host)`.
 */
export function describePortInUse(port: number, holder: PortHolder): string {
  switch (holder.kind) {
    case 'relay':
      return holder.hostedByClient
        ? `port ${port} is in use by a udpchat client that hosts the relay (quit it, or start clients with --no-host)`
        : `port ${port} is in use by another udpchat relay`;
    case 'relay-refused':
      return `port ${port} is in use by a udpchat relay or a client hosting one (it answered ${holder.code})`;
    case 'other':
      return `port ${port} is in use by another program`;
  }
}
