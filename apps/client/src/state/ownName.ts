/**
 * This client's own name as the full-screen UI tells it: registered, registered
 * again (after a relay restart or takeover), renamed with `/name`, or a name
 * the relay refused (taken, invalid, reserved) with what that means.
 */
import { formatEndpoint } from '@udpchat/net';
import { ERROR_CODES, type ErrorMessage, type WelcomeMessage } from '@udpchat/protocol';
import { escapeControls } from '../text/sanitize.js';

/** The relay's answers that refuse a name. */
const NAME_REFUSALS: ReadonlySet<string> = new Set([ERROR_CODES.NAME_TAKEN, ERROR_CODES.NAME_INVALID, ERROR_CODES.NAME_RESERVED]);

export class OwnName {
  /** The name last registered, to tell a rename from a re-registration. */
  private registeredName: string | null = null;
  /** The name asked for with `/name`, until the relay answers. */
  private pendingRename: string | null = null;
  private everRegistered = false;

  /** Already registered as `name` (a store made after registration). */
  knownAs(name: string): void {
    this.registeredName = name;
    this.everRegistered = true;
  }

  /** `/name NAME` was sent to the relay. */
  asked(name: string): void {
    this.pendingRename = name;
  }

  /**
   * The relay welcomed this client as `w.name`. `renamed`: after a `/name`
   * (or a relay that changed it), else a (re-)registration.
   * @returns the line for `all` and the notice text (terminal-safe).
   */
  registered(w: Pick<WelcomeMessage, 'name' | 'address' | 'port'>): { renamed: boolean; line: string; notice: string } {
    const name = escapeControls(w.name);
    const renamed = this.registeredName !== null && this.registeredName !== w.name;
    this.registeredName = w.name;
    this.pendingRename = null;
    if (renamed) return { renamed, line: `you are now ${name}`, notice: `you are now ${name}` };
    const line = this.everRegistered ? `registered again as ${name}` : `registered as ${name} (${formatEndpoint(w)})`;
    this.everRegistered = true;
    return { renamed, line, notice: `registered as ${name}` };
  }

  /**
   * The notice for a relay error that refuses a name, or null for any other error.
   * @param registered whether this client is still registered (a refused `/name`: it keeps `current`).
   */
  refusal(e: ErrorMessage, registered: boolean, current: string): string | null {
    if (!NAME_REFUSALS.has(e.code)) return null;
    const text = escapeControls(e.message);
    const asked = this.pendingRename;
    this.pendingRename = null;
    if (!registered) return `${text}: pick another with /name NEWNAME`;
    // A refused /name: still registered under the old name, nothing moves.
    const what = e.code === ERROR_CODES.NAME_TAKEN && asked ? `name ${escapeControls(asked)} is taken` : text;
    return `${what}; you are still ${escapeControls(current)}`;
  }
}
