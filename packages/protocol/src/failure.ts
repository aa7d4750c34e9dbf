/**
 * How the codec's internals report a refusal: by throwing a `CodecFailure`,
 * a plain object and not an `Error`, so no stack trace is captured — a flood
 * of malformed datagrams costs no more than the checks. The public functions
 * turn it into a `ProtocolError` (encode, decode, decodeDatagram) or a result
 * (tryDecodeDatagram). Internal: not exported from the package.
 */
import { ProtocolError, type ProtocolErrorCode } from './errors.js';

export class CodecFailure {
  /**
   * @param code the stable reason.
   * @param reason for humans, e.g. `field chat.text is 900 bytes, above 790`.
   */
  constructor(
    readonly code: ProtocolErrorCode,
    readonly reason: string,
  ) {}
}

/** Refuses with `code`. */
export function fail(code: ProtocolErrorCode, reason: string): never {
  throw new CodecFailure(code, reason);
}

/** Refuses field `path` (e.g. `chat.text`) with BAD_FIELD because it `why`s. */
export function badField(path: string, why: string): never {
  return fail('BAD_FIELD', `field ${path} ${why}`);
}

/** Runs `fn`, turning a `CodecFailure` into the `ProtocolError` the public API throws. */
export function orThrow<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof CodecFailure) throw new ProtocolError(err.code, err.reason);
    throw err;
  }
}
