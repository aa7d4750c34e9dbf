/**
 * @udpchat/net — the networking both apps use: endpoints and their text form
 * (IPv6 in brackets), binding and closing UDP sockets, the per-address token
 * bucket, the loss simulator and its command-line flags, bounded maps, the
 * shared-secret loader.
 * No relay or client logic here.
 */
export { endpointKey, formatEndpoint, type Endpoint } from './endpoint.js';
export { parseEndpoint, type HostPort } from './parseEndpoint.js';
export { BoundedMap, type BoundedMapOptions } from './boundedMap.js';
export { DEFAULT_RATE_LIMIT, DEFAULT_RATE_LIMIT_ENTRIES, RateLimiter, type RateVerdict } from './rateLimit.js';
export {
  LossSimulator,
  resolveSimulateOptions,
  mulberry32,
  deriveSeed,
  DEFAULT_SEED,
  DEFAULT_HOLD_MS,
  MAX_SEED,
  NO_SIMULATION,
  type SimulateOptions,
  type SimulatorStats,
  type DatagramHandler,
} from './lossSimulator.js';
export { parseRate, parseSeed, parseSimulateFlags, SIMULATE_ARG_OPTIONS, type SimulateFlags } from './simulateFlags.js';
export { loadSecret, stripOneNewline, SECRET_ENV, type LoadedSecret, type SecretError, type SecretSource } from './secret.js';
export { bindUdpSocket, closeUdpSocket, settleWithin, SOCKET_BUFFER_BYTES, type BindOptions } from './socket.js';
