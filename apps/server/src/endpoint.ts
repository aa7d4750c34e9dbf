/**
 * UDP endpoints (an IP address and a port) and their text form.
 */
import { isIPv6 } from 'node:net';

/** Where a datagram came from or goes to. */
export interface Endpoint {
  /** IP address, e.g. `127.0.0.1` or `::1`. */
  readonly address: string;
  /** UDP port, 0–65535. */
  readonly port: number;
}

/**
 * `address:port`, with the address in brackets when it is IPv6
 * (`[::1]:8081`). Unique per endpoint: used as the contact table key and in logs.
 */
export function formatEndpoint(endpoint: Endpoint): string {
  // Called for every datagram: skip node:net's IPv6 RegExp for IPv4 (every IPv6 text form has a ':').
  const v6 = endpoint.address.includes(':') && isIPv6(endpoint.address);
  return v6 ? `[${endpoint.address}]:${endpoint.port}` : `${endpoint.address}:${endpoint.port}`;
}
