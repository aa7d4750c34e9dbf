/**
 * Who is online, as both the full-screen UI and line mode track it from the
 * session's events: the roster, whether the contact list has arrived since
 * registration (until then "not online" cannot be known), and renames (the
 * contact keeps its kind under the new name).
 */
import type { ContactEntry } from '@udpchat/protocol';
import type { RegistrationState } from '../net/session.js';
import { Roster } from './roster.js';

export class Presence {
  private readonly roster = new Roster();
  private listedYet = false;

  /** True once a contact list arrived (after registration). */
  get listed(): boolean {
    return this.listedYet;
  }

  /** A full contact list arrived (the `contacts` event, or the session's list when made after registration). */
  received(list: readonly ContactEntry[]): void {
    this.roster.reset(list);
    this.listedYet = true;
  }

  /** Nobody is known online any more (the relay said bye); the list still counts as arrived. */
  clear(): void {
    this.roster.reset([]);
  }

  /** A contact joined (the `join` event). */
  join(contact: ContactEntry): void {
    this.roster.join(contact);
  }

  /** A contact left (the `leave` event); true when it was listed. */
  leave(name: string): boolean {
    return this.roster.leave(name);
  }

  /** A contact renamed itself (the `rename` event): listed under `to`, with the kind it had. */
  rename(from: string, to: string): void {
    const type = this.roster.get(from)?.type ?? 'client';
    this.roster.leave(from);
    this.roster.join({ name: to, type });
  }

  /** The online contact with this name (any case), if any. */
  get(name: string): ContactEntry | undefined {
    return this.roster.get(name);
  }

  /** Online contacts sorted by name. */
  list(): ContactEntry[] {
    return this.roster.list();
  }
}

/** Why `/who` cannot answer yet (no contact list since registration), the same in the UI and line mode. */
export function notListedReason(registration: RegistrationState): string {
  return registration === 'registered' ? 'the contact list has not arrived yet' : 'not registered yet';
}
