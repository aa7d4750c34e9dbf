/**
 * Why `startRelay` failed, as a stable code and a one-line message.
 */

/** Stable codes of `RelayStartError`. */
export type RelayStartErrorCode = 'ADDRESS_IN_USE' | 'ADDRESS_NOT_AVAILABLE' | 'PERMISSION_DENIED' | 'BIND_FAILED';

/**
 * `startRelay` could not bind its socket. `message` is one line meant for
 * people ("port 8081 is in use"); `code` is for programs; `cause` is the
 * underlying system error.
 */
export class RelayStartError extends Error {
  /** Stable machine-readable reason. */
  readonly code: RelayStartErrorCode;
  /** Host the relay tried to bind. */
  readonly host: string;
  /** Port the relay tried to bind (0 = ephemeral). */
  readonly port: number;

  constructor(code: RelayStartErrorCode, message: string, host: string, port: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RelayStartError';
    this.code = code;
    this.host = host;
    this.port = port;
  }
}

/** The `code` of a Node system error, if it has one. */
function systemCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

/**
 * Turns a bind failure into a `RelayStartError`:
 * EADDRINUSE -> ADDRESS_IN_USE "port P is in use";
 * EADDRNOTAVAIL -> ADDRESS_NOT_AVAILABLE "address H is not available on this machine";
 * EACCES/EPERM -> PERMISSION_DENIED "permission denied to bind H port P";
 * anything else (e.g. a host name that does not resolve) -> BIND_FAILED.
 */
export function bindError(err: unknown, host: string, port: number): RelayStartError {
  const code = systemCode(err);
  const cause = { cause: err };
  switch (code) {
    case 'EADDRINUSE':
      return new RelayStartError('ADDRESS_IN_USE', `port ${port} is in use`, host, port, cause);
    case 'EADDRNOTAVAIL':
      return new RelayStartError('ADDRESS_NOT_AVAILABLE', `address ${host} is not available on this machine`, host, port, cause);
    case 'EACCES':
    case 'EPERM':
      return new RelayStartError('PERMISSION_DENIED', `permission denied to bind ${host} port ${port}`, host, port, cause);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new RelayStartError('BIND_FAILED', `cannot resolve host ${host}`, host, port, cause);
    default: {
      const detail = err instanceof Error ? err.message : String(err);
      return new RelayStartError('BIND_FAILED', `cannot bind ${host} port ${port}: ${detail}`, host, port, cause);
    }
  }
}
