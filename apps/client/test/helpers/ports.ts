/** Free ports for tests that must start a program on a port chosen in advance. */
import { createSocket } from 'node:dgram';

/**
 * A UDP port on 127.0.0.1 that was free a moment ago: bound with port 0, read, closed.
 * (A relay process restarted "on the same port" needs its number before it starts.)
 */
export async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}
