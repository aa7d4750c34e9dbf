/**
 * Contacts and pending registrations per IP address, for the cap on
 * registrations per IP (PROTOCOL.md §6.3, `--max-per-ip`). Bounded by the
 * tables it counts: an IP is present only while something of it is.
 */

/** Counts per IP address; a count that falls to 0 is deleted. */
export class IpCount {
  private readonly counts = new Map<string, number>();

  /** How many contacts and pending registrations `ip` holds. */
  get(ip: string): number {
    return this.counts.get(ip) ?? 0;
  }

  add(ip: string): void {
    this.counts.set(ip, (this.counts.get(ip) ?? 0) + 1);
  }

  remove(ip: string): void {
    const n = (this.counts.get(ip) ?? 0) - 1;
    if (n > 0) this.counts.set(ip, n);
    else this.counts.delete(ip);
  }

  /** IP addresses counted now. */
  get size(): number {
    return this.counts.size;
  }
}
