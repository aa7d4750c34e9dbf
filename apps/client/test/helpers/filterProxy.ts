/**
 * A UDP proxy for one client, for tests: forwards client ↔ relay over real
 * sockets on 127.0.0.1, records every protocol message each way (decoded),
 * and drops the datagrams a test's `drop` rule picks (e.g. "the first join
 * to the client"), so that a lost datagram is exactly the one the test
 * wants lost.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { decode, isProtocolDatagram, type Message } from '@udpchat/protocol';

/** One datagram seen by the proxy. */
export interface Seen {
  /** `up`: client → relay; `down`: relay → client. */
  direction: 'up' | 'down';
  /** The decoded message (null when it does not decode). */
  message: Message | null;
  /** Whether the proxy dropped it. */
  dropped: boolean;
}

/** A running filter proxy. */
export interface FilterProxy {
  /** The port clients send to (127.0.0.1). */
  readonly port: number;
  /** Everything seen so far, in order. */
  readonly seen: Seen[];
  /** Closes both sockets. */
  close(): Promise<void>;
}

/**
 * Starts a proxy to the relay at 127.0.0.1:`relayPort`. `drop` is asked for
 * every datagram (with its decoded message) and drops it when it says true.
 */
export async function startFilterProxy(
  relayPort: number,
  drop: (direction: 'up' | 'down', message: Message | null) => boolean,
): Promise<FilterProxy> {
  const front = createSocket('udp4');
  const back = createSocket('udp4');
  const seen: Seen[] = [];
  let client: RemoteInfo | null = null;
  const inspect = (direction: 'up' | 'down', bytes: Buffer): boolean => {
    let message: Message | null = null;
    try {
      if (isProtocolDatagram(bytes)) message = decode(bytes);
    } catch {
      message = null;
    }
    const dropped = drop(direction, message);
    seen.push({ direction, message, dropped });
    return !dropped;
  };
  front.on('message', (bytes, from) => {
    client = from;
    if (inspect('up', bytes)) back.send(bytes, relayPort, '127.0.0.1');
  });
  back.on('message', (bytes) => {
    if (client && inspect('down', bytes)) front.send(bytes, client.port, client.address);
  });
  await Promise.all([bind(front), bind(back)]);
  return {
    port: front.address().port,
    seen,
    close: async () => {
      await Promise.all([closeQuietly(front), closeQuietly(back)]);
    },
  };
}

function bind(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve();
    });
  });
}

function closeQuietly(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve();
    }
  });
}
