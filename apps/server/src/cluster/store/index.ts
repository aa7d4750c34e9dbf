/** The relay's store in cluster mode, on NATS JetStream (see jetStreamStore.ts). */
export { openJetStreamStore } from './jetStreamStore.js';
export type { ClusterStore, ClusterStoreStats, JetStreamStoreOptions, StoreChange } from './types.js';
export { bucketNames, type BucketNames } from './keys.js';
export { durableStoredSink, type HeldStats } from './durableStored.js';
