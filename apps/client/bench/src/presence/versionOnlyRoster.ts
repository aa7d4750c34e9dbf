/**
 * A contact store that keeps nothing: for the presence crowd's "version-only"
 * cores (crowd.ts). The core's RosterSync still takes every page, push and
 * delta, keeps the roster version, notices gaps and asks for what it missed
 * exactly as with a real `Roster` (none of that reads the store's
 * contents), so what such a core sends the relay is what the shipped client
 * sends; it only forgets the names. This is what lets one machine run
 * 10,000 cores (10,000 full rosters of 10,000 names are 10⁸ entries) — the
 * bench says so in its output.
 */
import type { ContactEntry } from '@udpchat/protocol';
import type { RosterStore } from '../../../dist/state/roster.js';

export class VersionOnlyRoster implements RosterStore {
  reset(): void {}
  join(): void {}
  leave(): boolean {
    return false;
  }
  get(): ContactEntry | undefined {
    return undefined;
  }
  list(): ContactEntry[] {
    return [];
  }
  get size(): number {
    return 0;
  }
}
