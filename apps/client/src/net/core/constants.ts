/** Timing of the client's protocol core, in ms. */

/** While a probe waits for its answer, another goes out this often: one lost heartbeat is not an outage. */
export const REPROBE_MS = 500;
/**
 * With several servers (fail-over), heartbeats go out at least this often even when the relay asks
 * for fewer (its default interval is 10 s): an idle client notices a dead relay within this plus the
 * liveness window (2.5 s), ~7.5 s; a sending one within the liveness window.
 */
export const FAILOVER_HEARTBEAT_MS = 5000;
/** A silent relay is probed this often, so that its restart is noticed quickly. */
export const SILENT_PROBE_MS = 1000;
/**
 * After re-registering, for this long (the presence timeout): UNKNOWN_CONTACT means "not back yet",
 * and group messages wait for those online before the relay went away; those not back by then have left.
 */
export const REJOIN_GRACE_MS = 15_000;
/** After NAME_TAKEN at registration, the hello is tried again this often. */
export const NAME_RETRY_MS = 3000;
