/**
 * The socket plumbing TestPeer and RawPeer share: a real UDP socket on the
 * loopback address of the relay's family, ephemeral port.
 */
import { createSocket, type Socket } from 'node:dgram';

/** Where the relay is. */
export interface RelayEndpoint {
  address: string;
  port: number;
}

/** Opens a socket bound to 127.0.0.1:`port` (default 0, any free port), or `[::1]` when the relay's address is IPv6. */
export async function openLoopbackSocket(relay: RelayEndpoint, port = 0): Promise<Socket> {
  const v6 = relay.address.includes(':');
  const socket = createSocket(v6 ? 'udp6' : 'udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, v6 ? '::1' : '127.0.0.1', () => {
      socket.off('error', reject);
      resolve();
    });
  });
  return socket;
}

/** Sends `bytes` as one datagram to the relay; resolves once the socket has sent it. */
export function sendDatagram(socket: Socket, relay: RelayEndpoint, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.send(bytes, relay.port, relay.address, (err) => (err ? reject(err) : resolve()));
  });
}

/** Closes the socket; resolves when it is closed, or at once if it already was. Never rejects. */
export function closeSocket(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve();
    }
  });
}
