// A peer whose certificate key has a huge RSA public exponent (issue 13, point 3): the key is
// refused where it is read, so its CertificateVerify is never checked with it, even when chain
// validation is off (rejectUnauthorized: false). node:tls is the peer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import * as tls from 'node:tls';
import { createCertificate, generateKeyPair, type Issuer } from '../../src/devcert/certificate-builder.js';
import { TlsError } from '../../src/errors.js';
import { connect } from '../../src/node/connect.js';
import { rsaKeyPairWithExponent } from '../helpers/rsa-exponent.js';

const rootKey = generateKeyPair('ec-p256');
const root: Issuer = { key: rootKey, certificate: createCertificate({ subject: 'CN=Exponent Root', subjectKey: rootKey, isCA: true }) };
const costlyKey = rsaKeyPairWithExponent((1n << 2000n) + 0x10001n);
const leaf = createCertificate({ subject: 'CN=localhost', subjectKey: costlyKey, issuer: root, subjectAltNames: { dns: ['localhost'], ip: ['127.0.0.1'] } });

for (const rejectUnauthorized of [true, false]) {
  test(`a server certificate key with a 2001-bit RSA exponent fails the handshake with bad_certificate (rejectUnauthorized: ${rejectUnauthorized})`, {
    timeout: 20_000,
  }, async () => {
    const server = tls.createServer({ key: costlyKey.privateKeyPem, cert: leaf.pem }, (s) => {
      s.on('error', () => {});
      s.end('hello');
    });
    const serverErrors: Error[] = [];
    server.on('tlsClientError', (err) => serverErrors.push(err));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const error = await new Promise<Error | undefined>((resolve) => {
        const socket = connect({ port, host: '127.0.0.1', ca: root.certificate.pem, rejectUnauthorized });
        socket.once('secureConnect', () => {
          socket.destroy();
          resolve(undefined);
        });
        socket.once('error', (err) => resolve(err));
        setTimeout(() => resolve(new Error('timed out')), 10_000).unref();
      });
      assert.ok(error instanceof TlsError, `expected a TlsError, got ${String(error)}`);
      assert.equal(error.alert, 'bad_certificate', error.message);
      assert.match(error.message, /RSA public exponent of 2001 bits is too large/);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
}
