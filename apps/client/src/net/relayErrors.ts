/**
 * What the user reads when the relay refuses registration for a reason that
 * is about the connection rather than the name: the shared secret, the clock,
 * the relay's limits (PROTOCOL.md §6.1–6.3). The relay may send these errors
 * without their text (anti-amplification), so the client words them itself.
 */
import { ERROR_CODES, type ErrorMessage } from '@udpchat/protocol';

/** Codes after which the client keeps retrying its `hello` (the situation may change) but says why it is not in. */
export const REGISTRATION_BLOCKERS: ReadonlySet<string> = new Set([
  ERROR_CODES.SECRET_REQUIRED,
  ERROR_CODES.NO_SECRET,
  ERROR_CODES.CLOCK_SKEW,
  ERROR_CODES.RELAY_FULL,
  ERROR_CODES.TOO_MANY_REGISTRATIONS,
]);

/**
 * The line to show for a relay error.
 * @param error the relay's `error`.
 * @param hasSecret whether this client runs with a shared secret.
 * @returns for the codes above a fixed explanation with what to do; otherwise the relay's
 *   message, or the code when the relay sent no message.
 */
export function explainRelayError(error: ErrorMessage, hasSecret: boolean): string {
  switch (error.code) {
    case ERROR_CODES.SECRET_REQUIRED:
      return hasSecret
        ? 'this relay requires the shared secret, and yours does not match it'
        : 'this relay requires the shared secret: start with --secret-file PATH or set UDPCHAT_SECRET';
    case ERROR_CODES.NO_SECRET:
      return 'this relay does not use a shared secret: start without --secret-file and UDPCHAT_SECRET';
    case ERROR_CODES.CLOCK_SKEW:
      return "this computer's clock is more than 30 s off the relay's: signed datagrams are refused until it is set right";
    case ERROR_CODES.RELAY_FULL:
      return error.message || 'the relay is full (it has its maximum number of contacts); retrying';
    case ERROR_CODES.TOO_MANY_REGISTRATIONS:
      return error.message || 'too many contacts from this IP address at the relay; retrying';
    default:
      return error.message || error.code;
  }
}
