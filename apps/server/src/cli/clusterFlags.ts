/**
 * The relay's cluster flags (CLUSTER.md): `--cluster URL` joins the relays
 * on that NATS server as one chat, `--relay-id ID` names this relay in it
 * (default `<hostname>:<port>`). Checked here (exit 2 for a malformed
 * value); whether NATS answers is known only at start (exit 1).
 */
import { parseClusterUrl, RELAY_ID_PATTERN } from '../cluster/options.js';

/** What the cluster flags ask for. */
export interface ClusterCommand {
  /** The `--cluster` value as given (checked: `nats://HOST:PORT`, comma-separated). */
  readonly url: string;
  /** `--relay-id`, or null for the default. */
  readonly relayId: string | null;
}

/**
 * Parses `--cluster` and `--relay-id`.
 * @returns the cluster (null: neither flag), or the one-line error naming the flag.
 */
export function parseClusterFlags(values: { readonly cluster?: string; readonly 'relay-id'?: string }): { cluster: ClusterCommand | null } | { error: string } {
  const url = values.cluster;
  const relayId = values['relay-id'] ?? null;
  if (url === undefined) return relayId === null ? { cluster: null } : { error: '--relay-id needs --cluster' };
  const parsed = parseClusterUrl(url);
  if ('error' in parsed) return parsed;
  if (relayId !== null && !RELAY_ID_PATTERN.test(relayId)) {
    return { error: `--relay-id must be 1 to 64 letters, digits, "_", "-" or ":" (got ${JSON.stringify(relayId)})` };
  }
  return { cluster: { url, relayId } };
}
