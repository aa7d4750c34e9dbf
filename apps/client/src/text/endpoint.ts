/**
 * `address:port` as people read and type it: an IPv6 address goes in
 * brackets (`[::1]:50880`, RFC 3986 §3.2.2 / RFC 5952 §6), so the port cannot
 * be mistaken for the address's last group; IPv4 and names stay as they are.
 */
export function formatEndpoint(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/**
 * An `address:port` label made elsewhere (e.g. the relay's, built by the
 * store), with brackets added when its address is IPv6 and has none:
 * `::1:19849` → `[::1]:19849`. Any other label comes back unchanged.
 */
export function bracketEndpointLabel(label: string): string {
  const match = /^([0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(?:%[\w.-]+)?):(\d{1,5})$/.exec(label);
  if (!match || label.startsWith('[')) return label;
  const [, address = '', port = ''] = match;
  return address.includes(':') ? formatEndpoint(address, Number(port)) : label;
}
