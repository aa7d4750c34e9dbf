/** @udpchat/store: embedded SQLite files with migrations, owner locks and XDG folders. */
export { openStore, type Database, type Migration, type Store, type StoreOptions } from './store.js';
export { StoreError, type StoreErrorCode } from './errors.js';
export { resolveDataDir, type DirKind } from './dataDir.js';
export { acquireOwnerLock, type OwnerLock } from './ownerLock.js';
