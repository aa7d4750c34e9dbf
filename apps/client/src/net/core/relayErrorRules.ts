/**
 * What the client does with an `error` from the relay (PROTOCOL.md §4.9,
 * §6.1–6.3), sans I/O: registration blockers keep the hellos going and are
 * reported once; NOT_REGISTERED registers again; UNKNOWN_CONTACT just after a
 * relay restart waits for the recipient; a refused message fails; a refused
 * name is retried while an old registration of ours may still hold it, and a
 * refused rename keeps the current name.
 */
import { ERROR_CODES, PRESENCE_TIMEOUT_MS, type ErrorMessage } from '@udpchat/protocol';
import type { Outbox } from '../delivery/outbox.js';
import { explainRelayError, REGISTRATION_BLOCKERS } from '../relayErrors.js';
import { NAME_RETRY_MS } from './constants.js';
import type { Registration } from './registration.js';

const NAME_REFUSALS: ReadonlySet<string> = new Set([
  ERROR_CODES.NAME_TAKEN,
  ERROR_CODES.NAME_INVALID,
  ERROR_CODES.NAME_RESERVED,
  ERROR_CODES.NAME_KEY_MISMATCH, // "the name bob is reserved for another key" (PROTOCOL.md §6.5)
  ERROR_CODES.BAD_SIGNATURE,
]);

/** What the rules read and change of the core. */
export interface ErrorContext {
  now: number;
  hasSecret: boolean;
  /** See CoreOptions.nameRetryForMs. */
  nameRetryForMs: number | undefined;
  /** End of the grace after re-registering, in ms (see REJOIN_GRACE_MS). */
  graceUntil: number;
  lastBlocker: string | null;
  setLastBlocker(code: string): void;
  getReg(): Registration;
  setReg(reg: Registration): void;
  lostRegistration(): void;
  forgetToken(): void;
  sendHello(): void;
  outbox: Outbox;
  /** Reports the error (as `relay-error`). */
  emit(error: ErrorMessage): void;
}

/** Applies the rules to one `error` from the relay. */
export function onRelayError(ctx: ErrorContext, relayError: ErrorMessage): void {
  const error = { ...relayError, message: explainRelayError(relayError, ctx.hasSecret) };
  if (REGISTRATION_BLOCKERS.has(error.code)) {
    // Not in, for a reason that may pass (a full relay, a clock set right, a relay restarted
    // with or without the secret): hellos go on; the reason is reported once, not per retry.
    ctx.lostRegistration();
    if (error.code !== ctx.lastBlocker) ctx.emit(error);
    ctx.setLastBlocker(error.code);
    return;
  }
  if (error.code === ERROR_CODES.SESSION_REPLACED) {
    // A newer session of this name proved its key elsewhere (PROTOCOL.md §6.5): this one stops
    // (no hellos: it would take the name back), until a rename.
    const reg = ctx.getReg();
    if (reg.state === 'registered') ctx.setReg({ state: 'refused', name: reg.welcome.name });
    ctx.emit(error);
    return;
  }
  if (error.code === ERROR_CODES.NOT_REGISTERED) {
    // The relay restarted or expired us: register again; pending messages wait and go out after.
    // The token is kept for the hello: this may be a late answer to a datagram sent with the token
    // before the last re-registration (found by apps/sim, seed 5), and then the relay still has us.
    if (ctx.getReg().state === 'registered') {
      ctx.lostRegistration();
      ctx.sendHello();
    }
    return;
  }
  if (error.code === ERROR_CODES.UNKNOWN_CONTACT && error.ref && ctx.now < ctx.graceUntil) {
    // Just after a relay restart the others re-register one by one: wait for the
    // recipient (its join sends the message at once) instead of failing it.
    ctx.outbox.defer(error.ref, 1000, ctx.now);
    return;
  }
  // A refused message (unknown contact, empty text) fails now instead of being retried.
  if (error.ref) ctx.outbox.fail(error.ref, error.message);
  if (NAME_REFUSALS.has(error.code)) return onNameRefused(ctx, error);
  ctx.emit(error);
}

/**
 * A refused name. A refused rename keeps the current name and session (as
 * IRC does). At registration, NAME_TAKEN may be this user's own previous
 * session (a client killed and started again): its registration expires after
 * the presence timeout, so hellos go on until then, and only then is the name
 * refused for good.
 */
function onNameRefused(ctx: ErrorContext, error: ErrorMessage): void {
  const reg = ctx.getReg();
  if (reg.state === 'registered' && reg.renaming) {
    const asked = reg.renaming.name;
    ctx.setReg({ ...reg, renaming: null });
    ctx.emit({ ...error, message: error.message || `name "${asked}" refused` });
    return;
  }
  // Registered but not renaming: the name was taken between our welcome and the
  // `list` that completes registration, so this registration never completed.
  const name = reg.state === 'registered' ? reg.welcome.name : reg.name;
  const takenSince = reg.state === 'registering' ? (reg.takenSince ?? ctx.now) : ctx.now;
  if (reg.state === 'registered') ctx.forgetToken();
  if (reg.state !== 'registering' && reg.state !== 'registered') return;
  if (error.code === ERROR_CODES.NAME_TAKEN) {
    const left = takenSince + (ctx.nameRetryForMs ?? PRESENCE_TIMEOUT_MS + NAME_RETRY_MS) - ctx.now;
    if (left > 0) {
      const wait = Math.min(NAME_RETRY_MS, left);
      ctx.setReg({ state: 'registering', name, takenSince, retryAt: ctx.now + wait });
      const seconds = Math.max(1, Math.round(wait / 1000));
      ctx.emit({ ...error, message: `name "${name}" is taken, maybe by your previous session; retrying in ${seconds} s` });
      return;
    }
  }
  ctx.setReg({ state: 'refused', name });
  ctx.emit(error);
}
