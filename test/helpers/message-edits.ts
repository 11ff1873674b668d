// Rewrites of handshake messages in flight, for engine tests: decode with our readers, change a
// field, encode again (or patch bytes where our writers cannot express the malformation).
import { readClientHello, type ClientHelloMessage } from '../../src/messages/client-hello.js';
import { readServerHello, buildServerHello, type ServerHelloFields } from '../../src/messages/server-hello.js';
import { buildHandshake, type HandshakeMessage } from '../../src/messages/handshake.js';
import { writeExtensionList, type Extension } from '../../src/messages/extensions/extension.js';
import { readEncryptedExtensions, buildEncryptedExtensions } from '../../src/messages/encrypted-extensions.js';
import { HandshakeType } from '../../src/protocol/constants.js';
import { onHandshake, type RecordHook } from './engine-harness.js';

export interface ServerHelloEdit extends ServerHelloFields {
  extensions: Extension[];
}

/** Rewrites the ServerHello (or HelloRetryRequest) the server sends. */
export function editServerHello(
  change: (sh: ServerHelloEdit, msg: HandshakeMessage) => ServerHelloFields | Uint8Array,
  which: 'server-hello' | 'retry' | 'any' = 'any',
): RecordHook {
  return onHandshake('server', (msg) => {
    if (msg.type !== HandshakeType.server_hello) return undefined;
    const sh = readServerHello(msg);
    if ((which === 'retry' && !sh.isRetryRequest) || (which === 'server-hello' && sh.isRetryRequest)) return undefined;
    const out = change({ random: sh.random, sessionId: sh.sessionId, cipherSuite: sh.cipherSuite, extensions: [...sh.extensions] }, msg);
    return [out instanceof Uint8Array ? out : buildServerHello(out).raw];
  });
}

export interface ClientHelloEdit {
  legacyVersion: number;
  random: Uint8Array;
  sessionId: Uint8Array;
  cipherSuites: number[];
  compressionMethods: Uint8Array;
  /** undefined: no extensions block at all. */
  extensions: Extension[] | undefined;
}

export function encodeClientHello(ch: ClientHelloEdit): Uint8Array {
  return buildHandshake(HandshakeType.client_hello, (w) => {
    w.u16(ch.legacyVersion).bytes(ch.random).vectorBytes(1, ch.sessionId);
    w.vector(2, (l) => ch.cipherSuites.forEach((s) => l.u16(s)));
    w.vectorBytes(1, ch.compressionMethods);
    if (ch.extensions) writeExtensionList(w, ch.extensions);
  }).raw;
}

/** Rewrites the ClientHello(s) the client sends; `nth` counts from 0 (the second follows a HelloRetryRequest). */
export function editClientHello(change: (ch: ClientHelloEdit, original: ClientHelloMessage) => ClientHelloEdit | Uint8Array, nth?: number): RecordHook {
  let seen = 0;
  return onHandshake('client', (msg) => {
    if (msg.type !== HandshakeType.client_hello) return undefined;
    if (nth !== undefined && seen++ !== nth) return undefined;
    const ch = readClientHello(msg);
    const out = change(
      {
        legacyVersion: ch.legacyVersion,
        random: ch.random,
        sessionId: ch.sessionId,
        cipherSuites: [...ch.cipherSuites],
        compressionMethods: ch.compressionMethods,
        extensions: [...ch.extensions],
      },
      ch,
    );
    return [out instanceof Uint8Array ? out : encodeClientHello(out)];
  });
}

/** Rewrites the server's EncryptedExtensions. */
export function editEncryptedExtensions(change: (extensions: Extension[]) => Extension[]): RecordHook {
  return onHandshake('server', (msg) => {
    if (msg.type !== HandshakeType.encrypted_extensions) return undefined;
    return [buildEncryptedExtensions(change([...readEncryptedExtensions(msg).extensions])).raw];
  });
}

/** Rewrites the body of every message of `type` that `from` sends. */
export function editBody(from: 'client' | 'server', type: number, change: (body: Uint8Array) => Uint8Array): RecordHook {
  return onHandshake(from, (msg) => {
    if (msg.type !== type) return undefined;
    return [buildHandshake(type, (w) => w.bytes(change(msg.body.slice()))).raw];
  });
}

export const without =
  (type: number) =>
  (list: Extension[]): Extension[] =>
    list.filter((e) => e.type !== type);
export const withExtra =
  (...extra: Extension[]) =>
  (list: Extension[]): Extension[] => [...list, ...extra];

/** A copy of `bytes` with one bit flipped. */
export function flipBit(bytes: Uint8Array, at: number, bit = 0): Uint8Array {
  const out = bytes.slice();
  out[at]! ^= 1 << bit;
  return out;
}
