/**
 * UDP endpoints (an IP address and a port) and their text form: IPv6
 * addresses in brackets everywhere (`[::1]:8081`), in logs, contact names and
 * on the command line.
 */
import { isIP } from 'node:net';

/** Where a datagram came from or goes to. */
export interface Endpoint {
  /** IP address, e.g. `127.0.0.1` or `::1`. */
  readonly address: string;
  /** UDP port, 0–65535. */
  readonly port: number;
}

/**
 * `address:port`, with the address in brackets when it is IPv6
 * (`[::1]:8081`). `address` must be an IP literal (as in a datagram's
 * source): an IPv6 one is recognised by its `:`, which no IPv4 literal has.
 * Cheap enough to run once per received datagram (the key of every
 * per-address table).
 */
export function endpointKey(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/**
 * `address:port`, with the address in brackets when it is IPv6
 * (`[::1]:8081`). Unique per endpoint: used as the contact table key and in logs.
 */
export function formatEndpoint(endpoint: Endpoint): string {
  return endpointKey(endpoint.address, endpoint.port);
}

/** A relay's host (a name or an IP literal, IPv6 without brackets) and port, as given on a command line. */
export interface HostPort {
  /** Host name or IP literal; an IPv6 literal without brackets. */
  readonly host: string;
  /** UDP port, 1–65535. */
  readonly port: number;
}

/**
 * Parses `HOST:PORT`, `HOST`, `[IPv6]:PORT`, `[IPv6]` or a bare IPv6
 * literal (`::1`); a missing port is `defaultPort`. The inverse of
 * `formatEndpoint` for IP literals.
 * @returns the host and port, or `{error}`: one line without the flag's
 *   name, e.g. `needs a host, as HOST:PORT (got ":9")`,
 *   `needs an IPv6 address in brackets, as [IPv6]:PORT (got "[::1")`,
 *   `port must be a whole number from 1 to 65535 (got "abc")`.
 */
export function parseEndpoint(text: string, defaultPort: number): HostPort | { error: string } {
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(text);
  if (!bracketed && text.startsWith('[')) return { error: `needs an IPv6 address in brackets, as [IPv6]:PORT (got "${text}")` };
  let host: string;
  let portText: string | undefined;
  if (bracketed) {
    host = bracketed[1] ?? '';
    portText = bracketed[2];
  } else if (isIP(text) === 6) {
    host = text;
  } else {
    const colon = text.lastIndexOf(':');
    host = colon >= 0 ? text.slice(0, colon) : text;
    portText = colon >= 0 ? text.slice(colon + 1) : undefined;
  }
  if (host === '') return { error: `needs a host, as HOST:PORT (got "${text}")` };
  const port = portText === undefined ? defaultPort : Number(portText);
  if (portText !== undefined && (!/^\d+$/.test(portText) || port < 1 || port > 65535)) {
    return { error: `port must be a whole number from 1 to 65535 (got "${portText}")` };
  }
  return { host, port };
}
