/**
 * Socket plumbing shared by the load generator and the crowd: bind, connect
 * to the process under test, close, and a plain timer wait.
 */
import { createSocket, type Socket } from 'node:dgram';

/** Where every process under test listens. */
export const TARGET_HOST = '127.0.0.1';

/**
 * Opens a udp4 socket bound to `address`, ephemeral port.
 * @param bufferBytes receive and send buffer sizes, in bytes (the system default when omitted).
 * @throws (rejects) when the address cannot be bound.
 */
export async function bindUdp(address: string, bufferBytes?: number): Promise<Socket> {
  const socket = createSocket(bufferBytes === undefined ? { type: 'udp4' } : { type: 'udp4', recvBufferSize: bufferBytes, sendBufferSize: bufferBytes });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, address, () => {
        socket.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    closeQuietly(socket);
    throw err;
  }
  return socket;
}

/** Connects `socket` to `port` on TARGET_HOST, so that sends need no address (and no lookup). */
export function connectUdp(socket: Socket, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.connect(port, TARGET_HOST, () => {
      socket.off('error', reject);
      resolve();
    });
  });
}

/** Closes `socket`, ignoring a socket that is already closed (or was never opened). */
export function closeQuietly(socket: Socket | undefined): void {
  try {
    socket?.close();
  } catch {
    // already closed
  }
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
