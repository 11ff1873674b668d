// node:tls's PSK options (pskCallback, pskIdentityHint) resolved for the engine: TLS 1.3 external
// PSKs only. TLS 1.2 PSK cipher suites (RFC 4279) are not implemented, and asking for them is
// refused with a TypeError that says so, rather than ignored.
import { TlsError } from '../errors.js';
import { Secret } from '../crypto/secret.js';
import {
  EXTERNAL_PSK_HASH,
  MAX_PSK_BYTES,
  MAX_PSK_IDENTITY_BYTES,
  type ClientExternalPsk,
  type ExternalPsk,
  type ServerExternalPsk,
} from '../handshake/external-psk.js';
import { fromUtf8, utf8 } from '../wire/bytes.js';
import type { ServerConfig } from '../handshake/config.js';

/** Bytes of a Buffer, TypedArray or DataView (what node:tls accepts for a PSK), copied; else undefined. */
function keyBytes(value: unknown): Uint8Array | undefined {
  if (!ArrayBuffer.isView(value)) return undefined;
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength).slice();
}

/** An error of the application's callback, as the handshake reports it (internal_error: a local fault). */
function callbackFault(message: string, cause?: unknown): TlsError {
  return new TlsError('internal_error', `pskCallback ${message}`, cause === undefined ? undefined : { cause });
}

function checkedKey(value: unknown, what: string): Uint8Array {
  const psk = keyBytes(value);
  if (!psk) throw callbackFault(`returned a ${what} that is not a Buffer, TypedArray or DataView`);
  if (psk.length === 0 || psk.length > MAX_PSK_BYTES) throw callbackFault(`returned a key of ${psk.length} bytes (1 to ${MAX_PSK_BYTES} allowed)`);
  return psk;
}

export interface PskOptions {
  ciphers?: string;
  minVersion?: string;
  maxVersion?: string;
  pskIdentityHint?: string;
}

/**
 * The checks both sides share. TLS 1.2 PSK suites named in `ciphers` (PSK-AES128-GCM-SHA256,
 * the PSK keyword...) and a pskCallback limited to TLS 1.2 cannot be honoured: refused, naming why.
 */
function checkCommon(options: PskOptions, callback: unknown): void {
  // Any entry that adds PSK suites (PSK-AES128-GCM-SHA256, ECDHE-PSK-..., PSK+HIGH, kPSK); one that
  // removes them (!PSK, -PSK) asks for nothing we lack.
  const pskTokens = (options.ciphers ?? '').split(/[:,\s]+/).filter((t) => /PSK/i.test(t) && !/^[!-]/.test(t));
  if (pskTokens.length > 0) {
    throw new TypeError(
      `ciphers: ${pskTokens.join(', ')} names TLS 1.2 PSK cipher suites, which tlskit does not implement. ` +
        'External PSKs work in TLS 1.3 with pskCallback and the usual TLS 1.3 suites: remove the PSK entries from ciphers',
    );
  }
  if (callback === undefined) return;
  if (typeof callback !== 'function') throw new TypeError('pskCallback must be a function');
  if (options.maxVersion !== undefined && options.maxVersion !== 'TLSv1.3') {
    throw new TypeError(
      `pskCallback works only in TLS 1.3 (TLS 1.2 PSK suites are not implemented), but maxVersion is ${options.maxVersion}: raise maxVersion to TLSv1.3`,
    );
  }
}

export type ClientPskCallback = (hint: string | null) => { psk: ArrayBufferView; identity: string } | null | undefined;

/** The client's pskCallback as the engine calls it, or undefined without one. */
export function clientExternalPsk(options: PskOptions & { pskCallback?: ClientPskCallback }): ClientExternalPsk | undefined {
  const callback = options.pskCallback;
  checkCommon(options, callback);
  if (options.pskIdentityHint !== undefined)
    throw new TypeError('pskIdentityHint is a server option (the hint a server sends in TLS 1.2): leave it out of a client');
  if (!callback) return undefined;
  return () => {
    let answer: ReturnType<ClientPskCallback>;
    try {
      // RFC 8446 removed the identity hint: node:tls passes null in TLS 1.3.
      answer = callback(null);
    } catch (err) {
      throw callbackFault(`threw: ${(err as Error)?.message ?? String(err)}`, err);
    }
    if (answer === null || answer === undefined) return undefined;
    if (typeof answer !== 'object') throw callbackFault('must return { psk, identity } or null');
    const psk = checkedKey(answer.psk, 'psk');
    if (typeof answer.identity !== 'string') throw callbackFault('returned an identity that is not a string');
    const identity = utf8(answer.identity);
    if (identity.length === 0 || identity.length > MAX_PSK_IDENTITY_BYTES) {
      throw callbackFault(`returned an identity of ${identity.length} bytes (1 to ${MAX_PSK_IDENTITY_BYTES} allowed)`);
    }
    return { identity, secret: new Secret(psk), hash: EXTERNAL_PSK_HASH } satisfies ExternalPsk;
  };
}

export type ServerPskCallback = (socket: unknown, identity: string) => ArrayBufferView | { psk: ArrayBufferView } | null | undefined;

/**
 * The server's pskCallback as the engine calls it, or undefined without one. The identity reaches
 * the callback as a string (UTF-8); one that is not UTF-8 is unknown without asking.
 */
export function serverExternalPsk(options: PskOptions & { pskCallback?: ServerPskCallback }): ServerExternalPsk | undefined {
  const callback = options.pskCallback;
  checkCommon(options, callback);
  if (options.pskIdentityHint !== undefined && typeof options.pskIdentityHint !== 'string') throw new TypeError('pskIdentityHint must be a string');
  if (!callback) return undefined;
  return (identityBytes, owner) => {
    let identity: string;
    try {
      identity = fromUtf8(identityBytes);
    } catch {
      return undefined;
    }
    let answer: ReturnType<ServerPskCallback>;
    try {
      answer = callback(owner, identity);
    } catch (err) {
      throw callbackFault(`threw: ${(err as Error)?.message ?? String(err)}`, err);
    }
    if (answer === null || answer === undefined) return undefined;
    const value = ArrayBuffer.isView(answer) ? answer : typeof answer === 'object' ? (answer as { psk?: unknown }).psk : answer;
    return { identity: identityBytes.slice(), secret: new Secret(checkedKey(value, 'psk')), hash: EXTERNAL_PSK_HASH } satisfies ExternalPsk;
  };
}

/**
 * The configuration for one connection whose pskCallback gets `owner()` as its socket argument
 * (node:tls passes the TLSSocket); unchanged without a pskCallback. `owner` is read at lookup
 * time, so it may name a socket still being constructed.
 */
export function withPskOwner(config: ServerConfig, owner: () => unknown): ServerConfig {
  const lookup = config.externalPsk;
  return lookup ? { ...config, externalPsk: (identity) => lookup(identity, owner()) } : config;
}
