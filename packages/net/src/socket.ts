/**
 * Binding and closing a UDP socket, the same way for the relay and the
 * client: the family from the address, 4 MiB kernel buffers, no address
 * reuse, a bind failure as a rejection (the socket closed), and a close that
 * never hangs nor throws.
 */
import { createSocket, type Socket, type SocketType } from 'node:dgram';
import { isIPv6 } from 'node:net';

/**
 * Requested kernel receive and send buffers, in bytes (4 MiB): a burst of
 * hundreds of datagrams waits in the kernel instead of being dropped. The
 * kernel caps them at net.core.rmem_max / wmem_max.
 */
export const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

/** Options of `bindUdpSocket`. */
export interface BindOptions {
  /** Address to bind; undefined binds every interface of `type`. */
  host?: string | undefined;
  /** UDP port, 0–65535; 0 = any free port. */
  port: number;
  /** `udp4` or `udp6`; default `udp6` when `host` is an IPv6 literal, else `udp4`. */
  type?: SocketType;
  /** Kernel receive and send buffer sizes to ask for, in bytes; default SOCKET_BUFFER_BYTES. */
  bufferBytes?: number;
  /**
   * Listener of socket errors after the bind (attached before the promise
   * resolves, so none is missed). Without it, such errors are ignored: an
   * unhandled `error` event would crash the process.
   */
  onError?: (err: Error) => void;
}

/**
 * Creates a UDP socket without address reuse (so exactly one process can bind
 * a port: the embedded relay relies on it) and binds it.
 * @returns the bound socket.
 * @throws (as a rejection) the bind error as node:dgram gives it (`code`
 *   EADDRINUSE, EADDRNOTAVAIL, EACCES, …), after closing the socket.
 */
export async function bindUdpSocket(options: BindOptions): Promise<Socket> {
  const { host, port } = options;
  const bufferBytes = options.bufferBytes ?? SOCKET_BUFFER_BYTES;
  const socket = createSocket({
    type: options.type ?? (host !== undefined && isIPv6(host) ? 'udp6' : 'udp4'),
    reuseAddr: false,
    recvBufferSize: bufferBytes,
    sendBufferSize: bufferBytes,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => {
        socket.off('listening', onListening);
        reject(err);
      };
      const onListening = (): void => {
        socket.off('error', onError);
        resolve();
      };
      socket.once('error', onError);
      socket.once('listening', onListening);
      socket.bind({ port, ...(host !== undefined ? { address: host } : {}), exclusive: true });
    });
  } catch (err) {
    try {
      socket.close();
    } catch {
      // never bound: nothing to close
    }
    throw err;
  }
  socket.on('error', options.onError ?? (() => undefined));
  return socket;
}

/** Resolves after `promise` settles or `ms` passed, whichever is first; never rejects. */
export async function settleWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  try {
    await Promise.race([promise.then(() => undefined, () => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Closes `socket`; resolves once it closed or after `maxWaitMs` ms, whichever
 * is first. Never rejects: closing a socket that is already closed resolves at once.
 */
export async function closeUdpSocket(socket: Socket, maxWaitMs: number): Promise<void> {
  await settleWithin(
    new Promise<void>((resolve) => {
      try {
        socket.close(() => resolve());
      } catch {
        resolve();
      }
    }),
    maxWaitMs,
  );
}
