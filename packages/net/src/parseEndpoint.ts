/**
 * Reading an endpoint as typed on a command line (`--server HOST:PORT`), IPv6
 * in brackets as formatEndpoint (endpoint.ts) writes it.
 */
import { isIP } from 'node:net';

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
