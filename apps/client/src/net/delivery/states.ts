/** Delivery states of an own chat message, as the UI and line mode show them. */
export type DeliveryState =
  /** Waiting to be sent: not registered yet, or the relay is unreachable. */
  | { state: 'queued' }
  /** Sent (maybe several times), no receipt yet. */
  | { state: 'sending' }
  /**
   * The relay has it and forwarded it to `recipients` clients, `acked` of whom
   * have acknowledged it so far; `final` when no ack can come (nobody, or a plain-text peer).
   */
  | { state: 'at-relay'; recipients: number; acked: number; final: boolean }
  /**
   * The recipient `to` is offline; the relay stored the message for it, on
   * disk (PROTOCOL.md §6.6). Not final: a receipt makes it `delivered` when
   * `to` comes back, maybe after this client restarted (by message id).
   */
  | { state: 'stored'; to: string }
  /** Acknowledged by `delivered` of `of` recipients (1 of 1 for a direct message). */
  | { state: 'delivered'; delivered: number; of: number }
  /** Given up: `reason` says why (offline, no answer for 30 s, refused by the relay). */
  | { state: 'failed'; reason: string };

/** True for states that no longer change. */
export function isFinal(s: DeliveryState): boolean {
  return s.state === 'delivered' || s.state === 'failed' || (s.state === 'at-relay' && s.final);
}
