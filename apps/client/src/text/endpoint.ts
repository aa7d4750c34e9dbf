/**
 * `address:port` as people read and type it: an IPv6 address goes in
 * brackets (`[::1]:50880`, RFC 3986 §3.2.2 / RFC 5952 §6), so the port cannot
 * be mistaken for the address's last group; IPv4 and names stay as they are.
 */
export function formatEndpoint(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
