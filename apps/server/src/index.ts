/**
 * @udpchat/server — the udpchat relay, headless. Keeps the contacts by
 * address and routes datagrams between them. `startRelay` is what both the
 * `udpchat-relay` program and the client (hosting a relay in-process) use.
 */
export { startRelay, type Relay, type RelayAddress, type RelayContactInfo, type RelayOptions } from './relay.js';
export { createRelayCore, type RelayCore, type RelayCoreOptions, type DatagramSink } from './relayCore.js';
export { RelayStartError, type RelayStartErrorCode } from './io/errors.js';
export type { ClusterStats, RelayStats, DropReason, MalformedReason, UnauthenticatedReason, IgnoredReason, NotSentReason } from './observe/stats.js';
export type { DepartureReason } from './rules/context.js';
export { createLogger, RateLimitedLog, LOG_LEVELS, type LoggerOptions, type RateLimitOptions } from './observe/log.js';
export { contactPages } from './rules/replies.js';
export { parsePlainText, PLAIN_PEER_TIMEOUT_MS, type PlainText } from './rules/plainPeers.js';
export { formatPlainText, PLAIN_DATAGRAM_MAX_BYTES } from './rules/fanout.js';
export { probePort, describePortInUse, probeAddress, PROBE_TIMEOUT_MS, type PortHolder, type ProbeOptions } from './io/probe.js';
export { DEFAULT_MAX_CONTACTS, DEFAULT_MAX_PER_IP, DEFAULT_STATS_INTERVAL_MS } from './relay.js';
export { PENDING_TIMEOUT_MS } from './state/sessions.js';
export { PLAIN_PEER_BUDGET_BYTES } from './state/contacts.js';
export { openRelayStore, type RelayStore, type Binding, type StoredChat, type Receipt } from './store/relayStore.js';
export { openMemoryStore } from './store/memoryStore.js';
export { DEFAULT_OFFLINE_LIMITS, type OfflineLimits } from './state/offlineDeliveries.js';
export {
  CLUSTER_DOWN_AFTER_MS,
  CLUSTER_GRACE_MS,
  CLUSTER_HEARTBEAT_MS,
  ClusterStartError,
  DEFAULT_CLUSTER_PREFIX,
  defaultRelayId,
  type ClusterOptions,
} from './cluster/options.js';
