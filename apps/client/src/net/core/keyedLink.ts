/**
 * The client's part of identity keys and offline messages (PROTOCOL.md
 * §6.5–6.6), sans I/O: which datagram completes a registration (`identify`
 * signed over the welcome's token when this client has a key for the name,
 * else `list`), the answer to a rename `challenge`, the `stored` state of own
 * messages, and the `receipt`s (acknowledged with `receipt-ack`).
 */
import { asErrorCode, nameKey, type ChallengeMessage, type ChatMessage, type ErrorMessage, type IdentifyMessage, type Message, type RosterVersion } from '@udpchat/protocol';
import type { DeliveryState } from '../delivery/states.js';

/** A name's identity key, held by the driver: its raw public key and a signer. */
export interface Identity {
  /** Raw Ed25519 public key, 32 bytes. */
  readonly publicKey: Uint8Array;
  /** The Ed25519 signature of the identify payload of `challenge` and `name` (PROTOCOL.md §4.15). */
  sign(challenge: Uint8Array, name: string): Uint8Array;
}

/**
 * The key of `name` (created on first use by the driver), or null for none
 * (`--ephemeral`). May throw for a key file that cannot be read or written.
 */
export type IdentityProvider = (name: string) => Identity | null;

/** What `handle` asks the core to do: a datagram to send, a receipt to report. */
export interface KeyedOutcome {
  readonly reply?: Message;
  readonly receipt?: { readonly id: string; readonly by: string };
}

/** How many receipt ids are remembered to report each receipt once. */
const RECENT_RECEIPTS = 4096;

export class KeyedLink {
  /** Whether the current registration was answered (its contact list came): later refreshes are plain `list`. */
  private completed = false;
  /** Own message ids the relay stored for an offline recipient, until the outbox reports them final. */
  private readonly storing = new Map<string, string>();
  /** Receipts already reported (the relay sends one again until its receipt-ack arrives), oldest first, at most RECENT_RECEIPTS. */
  private readonly reported = new Set<string>();

  /**
   * @param provider the keys, or null (keyless).
   * @param onError reports a local problem with a key (code KEY_ERROR), as a relay error is reported.
   */
  constructor(
    private readonly provider: IdentityProvider | null,
    private readonly onError: (error: ErrorMessage) => void,
  ) {}

  /**
   * A `challenge` (answered with `identify` when it is for `renaming`), `stored`
   * (`settle(id)` makes the outbox final: the relay holds the message now) or
   * `receipt` (reported, answered with `receipt-ack`); other kinds: nothing.
   */
  handle(message: Message, renaming: string | null, settle: (id: string) => void): KeyedOutcome {
    switch (message.kind) {
      case 'challenge': {
        const reply = this.onChallenge(message, renaming);
        return reply ? { reply } : {};
      }
      case 'stored':
        this.storing.set(message.id, message.to);
        settle(message.id); // reports the final state at once (translated to `stored`) if the message was pending
        this.storing.delete(message.id); // a repeated `stored` for a message already final leaves nothing behind
        return {};
      case 'receipt': {
        const reply: Message = { kind: 'receipt-ack', id: message.id }; // always: the last one may have been lost
        if (this.reported.has(message.id)) return { reply };
        this.reported.add(message.id);
        if (this.reported.size > RECENT_RECEIPTS) this.reported.delete(this.reported.values().next().value as string);
        return { reply, receipt: { id: message.id, by: message.by } };
      }
      default:
        return {};
    }
  }

  /** A new registration (a fresh welcome): it completes with `identify` again. */
  restart(): void {
    this.completed = false;
  }

  /** The contact list came: the registration is complete. */
  complete(): void {
    this.completed = true;
  }

  /** The datagram that asks for the contact list: `identify` for `name` over `token` until the registration completes (when keyed), else `list` at `version` (the changes since, PROTOCOL.md §6.7). */
  listDatagram(name: string, token: Uint8Array | undefined, version: RosterVersion): Message {
    if (this.completed || token === undefined) return { kind: 'list', ...version };
    return this.identify(name, token) ?? { kind: 'list', ...version };
  }

  /** The answer to a rename `challenge` for `renaming` (the name asked), or null when it is not ours. */
  onChallenge(message: ChallengeMessage, renaming: string | null): IdentifyMessage | null {
    if (renaming === null || nameKey(renaming) !== nameKey(message.name)) return null;
    return this.identify(message.name, message.challenge);
  }

  /** An own message's state as the outbox reports it, with "final at the relay" of a stored message shown as `stored`. */
  translate(message: ChatMessage, state: DeliveryState): DeliveryState {
    const to = this.storing.get(message.id);
    if (to === undefined) return state;
    this.storing.delete(message.id);
    return state.state === 'at-relay' && state.final ? { state: 'stored', to } : state;
  }

  private identify(name: string, challenge: Uint8Array): IdentifyMessage | null {
    let identity: Identity | null;
    try {
      identity = this.provider?.(name) ?? null;
    } catch (err) {
      this.onError({ kind: 'error', code: asErrorCode('KEY_ERROR'), message: err instanceof Error ? err.message : String(err), ref: '' });
      return null;
    }
    if (!identity) return null;
    return { kind: 'identify', name, publicKey: identity.publicKey, signature: identity.sign(challenge, name) };
  }
}
