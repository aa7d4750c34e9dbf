/**
 * `endpointKey(address, port)` without building a new string per datagram:
 * the key of an address and port seen before is looked up (two Map lookups on
 * the address string node:dgram gives and the port number: hashing, no
 * allocation) instead of concatenated again. Bounded: past `maxEntries`
 * remembered keys the cache starts empty again (a flood of forged source
 * addresses costs what it cost before, a string per datagram).
 */
import { endpointKey } from '@udpchat/net';

/** Default most keys remembered. */
export const ENDPOINT_KEY_CACHE_ENTRIES = 100_000;

export class EndpointKeys {
  private byAddress = new Map<string, Map<number, string>>();
  private entries = 0;

  constructor(private readonly maxEntries: number = ENDPOINT_KEY_CACHE_ENTRIES) {}

  /** `endpointKey(address, port)`, the same string value. */
  keyOf(address: string, port: number): string {
    let ports = this.byAddress.get(address);
    const known = ports?.get(port);
    if (known !== undefined) return known;
    if (this.entries >= this.maxEntries) {
      this.byAddress = new Map();
      this.entries = 0;
      ports = undefined;
    }
    if (ports === undefined) {
      ports = new Map();
      this.byAddress.set(address, ports);
    }
    const key = endpointKey(address, port);
    ports.set(port, key);
    this.entries++;
    return key;
  }
}
