/**
 * @udpchat/protocol — the udpchat wire format. Pure functions, no I/O.
 * One message = one UDP datagram; see PROTOCOL.md.
 */
export * from './constants.js';
export * from './errors.js';
export * from './messages.js';
export * from './codes.js';
export {
  encode,
  decode,
  decodeDatagram,
  tryDecodeDatagram,
  encodingLength,
  isProtocolDatagram,
  paddedHello,
  type Datagram,
  type DecodeResult,
  type EncodeOptions,
} from './codec.js';
export {
  createAuthKey,
  secretProblem,
  verifyAuth,
  tagMatches,
  computeTag,
  signInto,
  randomNonce,
  ReplayWindow,
  type AuthKey,
  type AuthTrailer,
  type AuthVerdict,
  type ReplayVerdict,
} from './auth.js';
export { nameProblem, describeNameProblem, nameKey, type NameProblem } from './names.js';
export { newMessageId } from './id.js';
export { utf8Length, isValidUtf8 } from './utf8.js';
export {
  MAX_NAME_BYTES,
  MAX_ID_BYTES,
  MAX_ACK_RANGES,
  KIND_DIRECTION,
  MESSAGE_KINDS,
  CLIENT_KINDS,
  sentBy,
  bodyBounds,
  isClientMessage,
  type ClientMessage,
  type Direction,
} from './schema.js';
export { DatagramScanner, fieldOf, type Envelope, type FieldRef } from './scan.js';
export { ackCovers, boolAt, fixedLayout, kindCode, sameLayout, u32At, writeHeader, type FixedLayout } from './splice.js';
export {
  IDENTIFY_CONTEXT,
  identifyPayload,
  rawPublicKey,
  privateKeyFromSeed,
  signIdentify,
  verifyIdentify,
  sameKey,
} from './identity.js';
