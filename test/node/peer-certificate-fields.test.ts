// getPeerCertificate() field by field against node:tls on the same certificates (issue 14):
// ext_key_usage and infoAccess, names with escaped and repeated attributes, the key fields of
// EC, RSA and Ed25519 certificates, and node's key order. Certificates minted with openssl.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { once } from 'node:events';
import { isDeepStrictEqual } from 'node:util';
import { CertificateFolder, opensslAvailable } from '../helpers/certs.js';
import { connect } from '../../src/index.js';

const skip = opensslAvailable() ? false : 'openssl CLI not installed';
const folder = new CertificateFolder();
after(() => folder.remove());

const cases: { name: string; key: string[]; subject: string; ext: string[] }[] = [
  {
    name: 'P-256, with authorityInfoAccess and extendedKeyUsage',
    key: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
    subject: '/CN=localhost',
    ext: [
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      'authorityInfoAccess=OCSP;URI:http://ocsp.example.com/,caIssuers;URI:http://ca.example.com/ca.crt',
      'extendedKeyUsage=serverAuth,clientAuth,1.2.3.4',
    ],
  },
  {
    name: 'RSA, a name with an escaped comma and a repeated attribute, two OCSP locations',
    key: ['-newkey', 'rsa:2048'],
    subject: '/C=US/O=Acme, Inc./OU=One/OU=Two+OU=Three/CN=localhost',
    ext: [
      'subjectAltName=DNS:localhost,email:a@example.com,URI:https://x.example/',
      'authorityInfoAccess=OCSP;URI:http://ocsp.example.com/,OCSP;URI:http://ocsp2.example.com/',
    ],
  },
  {
    name: 'Ed25519, serverAuth only',
    key: ['-newkey', 'ed25519'],
    subject: '/CN=localhost',
    ext: ['subjectAltName=DNS:localhost', 'extendedKeyUsage=serverAuth'],
  },
];

for (const [i, c] of cases.entries()) {
  test(`getPeerCertificate() equals node:tls's field by field (and Node 20's key order): ${c.name}`, { skip, timeout: 20_000 }, async () => {
    folder.openssl(
      'req',
      '-x509',
      ...c.key,
      '-nodes',
      '-keyout',
      `f${i}.key`,
      '-out',
      `f${i}.crt`,
      '-days',
      '2',
      '-multivalue-rdn',
      '-subj',
      c.subject,
      ...c.ext.flatMap((e) => ['-addext', e]),
    );
    const { readFileSync } = await import('node:fs');
    const server = tls.createServer({ key: readFileSync(folder.path(`f${i}.key`)), cert: readFileSync(folder.path(`f${i}.crt`)) }, (s) => s.end());
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as net.AddressInfo).port;
    try {
      const described: Record<string, unknown>[] = [];
      for (const open of [tls.connect as unknown as typeof connect, connect]) {
        const s = open({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false });
        await once(s, 'secureConnect');
        described.push(s.getPeerCertificate() as unknown as Record<string, unknown>);
        s.destroy();
      }
      const [theirs, ours] = described as [Record<string, unknown>, Record<string, unknown>];
      for (const key of new Set([...Object.keys(theirs), ...Object.keys(ours)])) {
        assert.ok(isDeepStrictEqual(ours[key], theirs[key]), `${key}: ours ${JSON.stringify(ours[key])}, node:tls ${JSON.stringify(theirs[key])}`);
      }
      // Key order as Node 20's (Node 24 orders them differently, and lists some with undefined values).
      if (process.versions.node.startsWith('20.')) assert.deepEqual(Object.keys(ours), Object.keys(theirs));
      if (i === 0) {
        assert.deepEqual(ours.ext_key_usage, ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2', '1.2.3.4']);
        assert.deepEqual(
          { ...(ours.infoAccess as object) },
          { 'OCSP - URI': ['http://ocsp.example.com/'], 'CA Issuers - URI': ['http://ca.example.com/ca.crt'] },
        );
      }
      if (i === 1) assert.deepEqual({ ...(ours.subject as object) }, { C: 'US', O: 'Acme, Inc.', OU: ['One', 'Two', 'Three'], CN: 'localhost' });
    } finally {
      server.close();
    }
  });
}
