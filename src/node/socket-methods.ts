// Argument checks and errors of TLSSocket methods, as node:tls gives them (its codes and wording),
// for the methods whose work tlskit does differently or not at all.
import { MAX_PLAINTEXT } from '../protocol/limits.js';

/** node:tls refuses fragments below this (OpenSSL's minimum maximum fragment length). */
const MIN_SEND_FRAGMENT = 512;

function received(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'function') return 'function';
  if (typeof value === 'object') return 'an instance of Object';
  return `type ${typeof value} (${String(value)})`;
}

function invalidArgType(name: string, expected: string, value: unknown): TypeError {
  return Object.assign(new TypeError(`The "${name}" argument must be of type ${expected}. Received ${received(value)}`), { code: 'ERR_INVALID_ARG_TYPE' });
}

/**
 * setMaxSendFragment(size): a non-number throws ERR_INVALID_ARG_TYPE and a non-integer
 * ERR_OUT_OF_RANGE, as node; an integer outside 512..16384 is only refused (false).
 */
export function validateMaxSendFragment(size: unknown): size is number {
  if (typeof size !== 'number') throw invalidArgType('size', 'number', size);
  if (!Number.isInteger(size) || size < -0x80000000 || size > 0x7fffffff) {
    throw Object.assign(new RangeError(`The value of "size" is out of range. It must be an integer. Received ${size}`), { code: 'ERR_OUT_OF_RANGE' });
  }
  return size >= MIN_SEND_FRAGMENT && size <= MAX_PLAINTEXT;
}

/** renegotiate(options, callback): options an object, callback a function when given (node's checks). */
export function validateRenegotiateArgs(options: unknown, callback: unknown): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw invalidArgType('options', 'object', options);
  if (callback !== undefined && typeof callback !== 'function') throw invalidArgType('callback', 'function', callback);
}

/** What renegotiate()'s callback gets: tlskit does not renegotiate, and says what to do instead. */
export function renegotiationRefused(): Error {
  return Object.assign(
    new Error(
      'tlskit does not support TLS renegotiation (TLS 1.2 renegotiation is refused, RFC 5746; TLS 1.3 has none): ' +
        'to authenticate the client after the handshake use TLS 1.3 and requestClientCertificate(); to change keys use updateKeys()',
    ),
    { code: 'ERR_TLS_RENEGOTIATION_DISABLED' },
  );
}

/**
 * getSession() on a server socket. node:tls gives OpenSSL's session there, for debugging; a tlskit
 * server holds no such object (its TLS 1.3 sessions live in the tickets it sealed), so it says where
 * the facts are rather than return undefined, which would read as "no session was negotiated".
 */
export function serverSessionRefused(): Error {
  return Object.assign(
    new Error(
      'getSession() is for a client socket: a tlskit server keeps no session object per connection; ' +
        "use isSessionReused() and getProtocol() for this connection, and the server's 'newSession' event for TLS 1.2 session data",
    ),
    { code: 'ERR_TLSKIT_UNSUPPORTED_METHOD' },
  );
}

/** resetAndDestroy() over a transport that is not a net.Socket: node's error for a handle that cannot reset. */
export function resetUnsupported(): Error {
  return Object.assign(
    new TypeError('resetAndDestroy() needs a TCP transport (a net.Socket) to reset; this TLSSocket runs over another stream: use destroy()'),
    { code: 'ERR_INVALID_HANDLE_TYPE' },
  );
}
