/**
 * UDP endpoints (an IP address and a port) and their text form: IPv6
 * addresses in brackets everywhere (`[::1]:8081`); read back by parseEndpoint.ts.
 */

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
