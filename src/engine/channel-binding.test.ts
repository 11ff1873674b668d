// deriveChannelBinding's refusals that a handshake between two tlskit endpoints cannot reach (a
// resumed TLS 1.2 session without the extended master secret: tlskit resumes none, RFC 7627 §5.3),
// and the hash choice of tls-server-end-point for each signature algorithm (RFC 5929 §4.1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nodeCrypto from 'node:crypto';
import { TlsError } from '../errors.js';
import { nodeCryptoProvider } from '../crypto/node/provider.js';
import { deriveChannelBinding, type ChannelBindingSource } from './channel-binding.js';
import type { ConnectionInfo } from '../handshake/state.js';
import { createCertificate, generateKeyPair } from '../devcert/certificate-builder.js';

const finished = Uint8Array.from({ length: 12 }, (_, i) => i + 1);

function source(info: Partial<ConnectionInfo>, side: 'client' | 'server' = 'client'): ChannelBindingSource {
  return {
    side,
    provider: nodeCryptoProvider,
    firstFinished: finished,
    info: { peerCertificates: [], authorized: true, resumed: false, ...info },
    exportKeyingMaterial: (length) => new Uint8Array(length).fill(7),
  };
}

const refused = (f: () => unknown, message: RegExp): void => {
  assert.throws(f, (err: unknown) => err instanceof TlsError && err.alert === 'internal_error' && message.test(err.message));
};

test('tls-unique: a TLS 1.2 full handshake without EMS gives the first Finished; resumed without EMS refused, with EMS given', () => {
  assert.deepEqual(deriveChannelBinding('tls-unique', source({ version: 'TLSv1.2', extendedMasterSecret: false })), finished);
  refused(
    () => deriveChannelBinding('tls-unique', source({ version: 'TLSv1.2', resumed: true, extendedMasterSecret: false })),
    /resumed a session without the extended master secret/,
  );
  assert.deepEqual(deriveChannelBinding('tls-unique', source({ version: 'TLSv1.2', resumed: true, extendedMasterSecret: true })), finished);
  refused(() => deriveChannelBinding('tls-unique', source({ version: 'TLSv1.3' })), /TLS 1\.2 only/);
});

test('tls-exporter: TLS 1.3, and TLS 1.2 only with EMS', () => {
  assert.equal(deriveChannelBinding('tls-exporter', source({ version: 'TLSv1.3' })).length, 32);
  assert.equal(deriveChannelBinding('tls-exporter', source({ version: 'TLSv1.2', extendedMasterSecret: true })).length, 32);
  refused(() => deriveChannelBinding('tls-exporter', source({ version: 'TLSv1.2', extendedMasterSecret: false })), /extended master secret/);
});

test('tls-server-end-point: the server certificate on either side; none (PSK, resumed server) refused', () => {
  const key = generateKeyPair('ec-p384');
  const cert = createCertificate({ subject: 'CN=x', subjectKey: key, signatureHash: 'sha512' });
  const expected = nodeCrypto.createHash('sha512').update(cert.der).digest();
  assert.deepEqual(Buffer.from(deriveChannelBinding('tls-server-end-point', source({ version: 'TLSv1.3', peerCertificates: [cert.der] }))), expected);
  assert.deepEqual(
    Buffer.from(deriveChannelBinding('tls-server-end-point', source({ version: 'TLSv1.3', localCertificates: [cert.der] }, 'server'))),
    expected,
  );
  refused(() => deriveChannelBinding('tls-server-end-point', source({ version: 'TLSv1.3' })), /server sent no certificate/);
  refused(() => deriveChannelBinding('tls-server-end-point', source({ version: 'TLSv1.3' }, 'server')), /sent no certificate/);
});

test('an unknown type is a TypeError naming the known ones', () => {
  assert.throws(
    () => deriveChannelBinding('tls-unique-for-telnet' as never, source({ version: 'TLSv1.3' })),
    /unknown channel binding type 'tls-unique-for-telnet'; use one of 'tls-server-end-point'/,
  );
});
