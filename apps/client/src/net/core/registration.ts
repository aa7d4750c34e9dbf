/**
 * Registration, as one explicit state union (PROTOCOL.md §6.1): registering
 * under a name (retrying a taken one for a while), registered with a welcome
 * (possibly renaming), refused, or closed.
 */
import type { WelcomeMessage } from '@udpchat/protocol';
import type { RegistrationState } from './types.js';

/** The registration's state and what each state knows. */
export type Registration =
  /** Hellos go out for `name`; after NAME_TAKEN, `takenSince` and the next try `retryAt` (ms). */
  | { state: 'registering'; name: string; takenSince: number | null; retryAt: number }
  /** Registered; `renaming`: a rename asked for, with when its hello went out (ms). */
  | { state: 'registered'; welcome: WelcomeMessage; renaming: { name: string; sentAt: number } | null }
  /** The relay refused `name` for good: nothing happens until a rename. */
  | { state: 'refused'; name: string }
  /** Closed: nothing more is sent or taken. */
  | { state: 'closed'; name: string };

/** A fresh registration attempt for `name`. */
export function registering(name: string): Registration {
  return { state: 'registering', name, takenSince: null, retryAt: 0 };
}

/** The name registered, or being registered. */
export function nameOf(r: Registration): string {
  return r.state === 'registered' ? r.welcome.name : r.name;
}

/** The state's name, as `ChatSession.registration` reports it. */
export function stateOf(r: Registration): RegistrationState {
  return r.state;
}

/** Whether the client is trying to be (or is) registered: neither refused nor closed. */
export function isActive(r: Registration): boolean {
  return r.state === 'registering' || r.state === 'registered';
}
