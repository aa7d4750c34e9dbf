/**
 * The simulation's virtual clock: time only moves when the run loop jumps it
 * to the next event. No real timer is ever read or set.
 */

/** Where virtual time starts, ms since the Unix epoch (2026-01-01): message times look real. */
export const SIM_EPOCH_MS = 1_767_225_600_000;

export class VirtualClock {
  private t: number;

  /** @param start the first instant, in ms (default SIM_EPOCH_MS). */
  constructor(start = SIM_EPOCH_MS) {
    this.t = start;
  }

  /** The current virtual time, in ms. */
  now(): number {
    return this.t;
  }

  /** Virtual time elapsed since the start of the run, in ms. */
  elapsed(): number {
    return this.t - SIM_EPOCH_MS;
  }

  /**
   * Moves the clock to `t` (never backwards: an earlier `t` leaves it where it is).
   * @returns the time now, in ms.
   */
  advanceTo(t: number): number {
    if (t > this.t) this.t = t;
    return this.t;
  }
}
