// node:tls and tlskit side by side: for each certificate situation, a node:tls client and a tlskit
// client connect to the same server and must report the same thing. With rejectUnauthorized
// (the default) the 'error' has the same `code`; without it, the socket has the same `authorized`
// and `authorizationError` (node's string code, null when authorized). The codes are also pinned,
// as measured on Node 20 and 24 (docs/node-compat.md, "Error codes"). A few rows are deliberate
// differences (tlskit refuses what node accepts), each with the code and reason tlskit gives.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as tls from 'node:tls';
import { createCertificate, generateKeyPair, type IssuedCertificate, type Issuer, type KeyPair } from '../../src/devcert/index.js';
import { connect as tlskitConnect } from '../../src/node/connect.js';
import { createServer as tlskitCreateServer } from '../../src/node/server.js';
import type { TLSSocket } from '../../src/node/tls-socket.js';
import { CA_EXTENSIONS, leafExtensions, TestPki } from '../x509/fixtures.js';

const TIMEOUT_MS = 5_000;
const DAY = 24 * 60 * 60 * 1000;
const names = { dns: ['localhost'], ip: ['127.0.0.1'] };

interface Situation {
  /** What the server sends: leaf first. */
  readonly chain: string;
  readonly key: string;
  /** What the clients trust. */
  readonly ca: string;
  /** One PEM per CRL (node:tls reads one CRL per string). */
  readonly crl?: readonly string[];
}

const key = (): KeyPair => generateKeyPair('ec-p256');
let counter = 0;

function root(options: { pathLength?: number; version?: 1 | 3; aki?: boolean; subject?: string } = {}): Issuer {
  const k = key();
  const certificate = createCertificate({
    subject: options.subject ?? `CN=codes root ${++counter}`,
    subjectKey: k,
    ...(options.version === 1 ? { version: 1 as const } : { isCA: true }),
    ...(options.pathLength !== undefined ? { pathLength: options.pathLength } : {}),
    ...(options.aki === false ? { authorityKeyIdentifier: false } : {}),
  });
  return { key: k, certificate };
}

function ca(issuer: Issuer, options: Partial<Parameters<typeof createCertificate>[0]> = {}): Issuer {
  const k = key();
  return { key: k, certificate: createCertificate({ subject: `CN=codes intermediate ${++counter}`, subjectKey: k, issuer, isCA: true, ...options }) };
}

function leafUnder(issuer: Issuer | undefined, options: Partial<Parameters<typeof createCertificate>[0]> = {}): { cert: IssuedCertificate; key: KeyPair } {
  const k = key();
  return { key: k, cert: createCertificate({ subject: 'CN=localhost', subjectKey: k, ...(issuer ? { issuer } : {}), subjectAltNames: names, ...options }) };
}

/** root → intermediate → leaf; the leaf made with `options`; the server sends leaf and intermediate. */
function usual(
  options: Partial<Parameters<typeof createCertificate>[0]> = {},
  intermediateOptions: Partial<Parameters<typeof createCertificate>[0]> = {},
): Situation {
  const r = root();
  const i = ca(r, intermediateOptions);
  const l = leafUnder(i, options);
  return { chain: l.cert.pem + i.certificate.pem, key: l.key.privateKeyPem, ca: r.certificate.pem };
}

function pem(der: Uint8Array): string {
  return `-----BEGIN CERTIFICATE-----\n${Buffer.from(der)
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END CERTIFICATE-----\n`;
}

const opensslPki = new TestPki();
after(() => opensslPki.cleanup());

/** A chain minted with openssl, with CRLs: the intermediate's, revoking `revokeLeaf`; the root's only with `rootCrl`. */
function withCrls(revokeLeaf: boolean, rootCrl: boolean): Situation {
  const r = opensslPki.cert({ subject: '/CN=codes CRL root', extensions: CA_EXTENSIONS, days: 365 });
  const i = opensslPki.cert({ subject: '/CN=codes CRL intermediate', issuer: r, extensions: CA_EXTENSIONS, days: 365 });
  const l = opensslPki.cert({ subject: '/CN=localhost', issuer: i, extensions: leafExtensions('DNS:localhost', 'IP:127.0.0.1') });
  const crls = [opensslPki.crl(i, revokeLeaf ? [l] : []).pem, ...(rootCrl ? [opensslPki.crl(r, []).pem] : [])];
  return { chain: l.pem + i.pem, key: readKey(l.keyFile), ca: r.pem, crl: crls };
}

const readKey = (file: string): string => readFileSync(file, 'utf8');

interface Row {
  readonly name: string;
  readonly make: () => Situation;
  /** node's err.code and authorizationError; undefined: node accepts. */
  readonly node: string | undefined;
  /** Only for deliberate differences: what tlskit gives instead, and why (docs/node-compat.md). */
  readonly tlskit?: { readonly code: string; readonly message: RegExp };
}

const rows: readonly Row[] = [
  { name: 'a valid chain', make: () => usual(), node: undefined },
  {
    name: 'the server omits the intermediate',
    node: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    make: () => {
      const s = usual();
      return { ...s, chain: s.chain.slice(0, s.chain.indexOf('-----END CERTIFICATE-----') + 26) };
    },
  },
  {
    name: 'leaf and intermediate under a root the client does not trust',
    node: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    make: () => ({ ...usual(), ca: root().certificate.pem }),
  },
  {
    name: 'a leaf straight from an untrusted root',
    node: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    make: () => {
      const l = leafUnder(root());
      return { chain: l.cert.pem, key: l.key.privateKeyPem, ca: root().certificate.pem };
    },
  },
  {
    name: 'the chain sent ends at an untrusted self-signed root',
    node: 'SELF_SIGNED_CERT_IN_CHAIN',
    make: () => {
      const r = root();
      const i = ca(r);
      const l = leafUnder(i);
      return { chain: l.cert.pem + i.certificate.pem + r.certificate.pem, key: l.key.privateKeyPem, ca: root().certificate.pem };
    },
  },
  {
    // The client trusts a CA of the same name and another key (two test PKIs, as redis-server sends its root).
    name: 'the chain sent ends at an untrusted self-signed root named as a trusted CA',
    node: 'SELF_SIGNED_CERT_IN_CHAIN',
    make: () => {
      const subject = `CN=codes same-named root ${++counter}`;
      const r = root({ subject });
      const i = ca(r);
      const l = leafUnder(i);
      return { chain: l.cert.pem + i.certificate.pem + r.certificate.pem, key: l.key.privateKeyPem, ca: root({ subject }).certificate.pem };
    },
  },
  {
    name: 'an untrusted self-signed leaf',
    node: 'DEPTH_ZERO_SELF_SIGNED_CERT',
    make: () => {
      const l = leafUnder(undefined);
      return { chain: l.cert.pem, key: l.key.privateKeyPem, ca: root().certificate.pem };
    },
  },
  {
    name: 'an expired leaf',
    node: 'CERT_HAS_EXPIRED',
    make: () => usual({ notBefore: new Date(Date.now() - 10 * DAY), notAfter: new Date(Date.now() - DAY) }),
  },
  {
    name: 'a leaf not yet valid',
    node: 'CERT_NOT_YET_VALID',
    make: () => usual({ notBefore: new Date(Date.now() + DAY), notAfter: new Date(Date.now() + 10 * DAY) }),
  },
  {
    name: 'an expired intermediate',
    node: 'CERT_HAS_EXPIRED',
    make: () => usual({}, { notBefore: new Date(Date.now() - 10 * DAY), notAfter: new Date(Date.now() - DAY) }),
  },
  {
    name: 'a leaf whose signature does not verify',
    node: 'CERT_SIGNATURE_FAILURE',
    make: () => {
      const r = root();
      const i = ca(r);
      const l = leafUnder(i);
      const der = Uint8Array.from(l.cert.der);
      der[der.length - 5]! ^= 1; // inside the ECDSA signature
      return { chain: pem(der) + i.certificate.pem, key: l.key.privateKeyPem, ca: r.certificate.pem };
    },
  },
  { name: 'an intermediate with cA false', node: 'INVALID_PURPOSE', make: () => usual({}, { isCA: false, keyUsage: null, extendedKeyUsage: null }) },
  { name: 'an intermediate without basicConstraints', node: 'INVALID_CA', make: () => usual({}, { basicConstraints: 'omit' }) },
  { name: 'an X.509 version 1 intermediate', node: 'INVALID_PURPOSE', make: () => usual({ authorityKeyIdentifier: false }, { version: 1 }) },
  { name: 'an intermediate whose keyUsage lacks keyCertSign', node: 'UNSPECIFIED', make: () => usual({}, { keyUsage: ['cRLSign'] }) },
  {
    name: "a path longer than the root's pathLenConstraint",
    node: 'PATH_LENGTH_EXCEEDED',
    make: () => {
      const r = root({ pathLength: 0 });
      const i = ca(r);
      const l = leafUnder(i);
      return { chain: l.cert.pem + i.certificate.pem, key: l.key.privateKeyPem, ca: r.certificate.pem };
    },
  },
  { name: 'a leaf for clientAuth only', node: 'INVALID_PURPOSE', make: () => usual({ extendedKeyUsage: ['clientAuth'] }) },
  { name: 'an intermediate restricted to clientAuth', node: 'INVALID_PURPOSE', make: () => usual({}, { extendedKeyUsage: ['clientAuth'] }) },
  {
    name: 'an unknown critical extension in the leaf',
    node: 'UNSPECIFIED',
    make: () => usual({ extraExtensions: [{ oid: '1.3.6.1.4.1.55738.666.2', critical: true, value: Uint8Array.of(0x05, 0x00) }] }),
  },
  {
    name: 'a leaf outside the name constraints of its issuer',
    node: 'UNSPECIFIED',
    make: () => usual({}, { nameConstraints: { permitted: { dns: ['example.com'] } } }),
  },
  {
    name: 'a leaf for another host name',
    node: 'ERR_TLS_CERT_ALTNAME_INVALID',
    make: () => usual({ subject: 'CN=other.example', subjectAltNames: { dns: ['other.example'] } }),
  },
  { name: 'a revoked leaf (crl)', node: 'CERT_REVOKED', make: () => withCrls(true, true) },
  { name: 'no CRL for the intermediate (crl)', node: 'UNABLE_TO_GET_CRL', make: () => withCrls(false, false) },
  // Certificates node accepts that tlskit used to refuse.
  {
    name: 'no authorityKeyIdentifier anywhere',
    node: undefined,
    make: () => {
      const r = root({ aki: false });
      const i = ca(r, { authorityKeyIdentifier: false });
      const l = leafUnder(i, { authorityKeyIdentifier: false });
      return { chain: l.cert.pem + i.certificate.pem, key: l.key.privateKeyPem, ca: r.certificate.pem };
    },
  },
  {
    name: 'an X.509 version 1 trust anchor',
    node: undefined,
    make: () => {
      const r = root({ version: 1 });
      const l = leafUnder(r, { authorityKeyIdentifier: false });
      return { chain: l.cert.pem, key: l.key.privateKeyPem, ca: r.certificate.pem };
    },
  },
  // Deliberate differences: the host named only in the commonName (RFC 6125 §6.4.4, CABF BR).
  {
    name: 'a leaf naming its host only in the commonName',
    node: undefined,
    make: () => usual({ subjectAltNames: {} }),
    tlskit: {
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
      message:
        /names its host only in the subject commonName \("localhost"\), which tlskit does not match .*reissue the certificate with a subjectAltName .*checkServerIdentity/,
    },
  },
  {
    name: 'an X.509 version 1 leaf (so commonName only)',
    node: undefined,
    make: () => usual({ version: 1 }),
    tlskit: { code: 'ERR_TLS_CERT_ALTNAME_INVALID', message: /names its host only in the subject commonName/ },
  },
];

interface Seen {
  /** rejectUnauthorized: true: the error's code, or 'connected'. */
  readonly strict: string;
  readonly strictMessage?: string;
  /** rejectUnauthorized: false. */
  readonly authorized: boolean | string;
  readonly authorizationError: string | null | undefined;
}

type Connect = (options: tls.ConnectionOptions) => tls.TLSSocket | TLSSocket;
const nodeConnect: Connect = (options) => tls.connect(options);
const ourConnect: Connect = (options) => tlskitConnect(options as Parameters<typeof tlskitConnect>[0]);

function attempt(
  connect: Connect,
  port: number,
  s: Situation,
  rejectUnauthorized: boolean,
): Promise<{ code?: string; message?: string; authorized?: boolean; authorizationError?: string | null }> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: s.ca, ...(s.crl ? { crl: [...s.crl] } : {}), rejectUnauthorized });
    const timer = setTimeout(() => {
      resolve({ code: 'timed out' });
      socket.destroy();
    }, TIMEOUT_MS);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      resolve({ authorized: socket.authorized, authorizationError: socket.authorizationError as string | null });
      socket.destroy();
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ code: err.code ?? 'no code', message: err.message });
    });
  });
}

async function observe(connect: Connect, port: number, s: Situation): Promise<Seen> {
  const strict = await attempt(connect, port, s, true);
  const lax = await attempt(connect, port, s, false);
  return {
    strict: strict.code ?? 'connected',
    ...(strict.message !== undefined ? { strictMessage: strict.message } : {}),
    authorized: lax.authorized ?? `failed: ${lax.code}`,
    authorizationError: lax.authorizationError,
  };
}

async function withServer<T>(s: Situation, body: (port: number) => Promise<T>): Promise<T> {
  const server = tls.createServer({ key: s.key, cert: s.chain }, (socket) => {
    socket.on('error', () => {});
    socket.end();
  });
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return await body((server.address() as AddressInfo).port);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

const expectedFor = (code: string | undefined): Omit<Seen, 'strictMessage'> =>
  code === undefined ? { strict: 'connected', authorized: true, authorizationError: null } : { strict: code, authorized: false, authorizationError: code };

for (const row of rows) {
  test(`${row.name}: ${row.tlskit ? `node accepts; tlskit refuses with ${row.tlskit.code} (deliberate)` : `${row.node ?? 'accepted'}, as node:tls`}`, {
    timeout: 6 * TIMEOUT_MS,
  }, async () => {
    const situation = row.make();
    await withServer(situation, async (port) => {
      const theirs = await observe(nodeConnect, port, situation);
      const ours = await observe(ourConnect, port, situation);
      const { strictMessage: theirMessage, ...theirView } = theirs;
      const { strictMessage: ourMessage, ...ourView } = ours;
      assert.deepEqual(theirView, expectedFor(row.node), `node:tls (${theirMessage ?? 'no error'})`);
      assert.deepEqual(ourView, expectedFor(row.tlskit?.code ?? row.node), `tlskit (${ourMessage ?? 'no error'})`);
      if (row.tlskit) assert.match(ourMessage ?? '', row.tlskit.message);
    });
  });
}

// The server side: node:tls and tlskit servers judging the same client (a node:tls client).
interface ServerRow {
  readonly name: string;
  /** The client's certificate chain and key, if it sends one. */
  readonly client: () => { cert: string; key: string } | undefined;
  readonly node: string;
}

const serverSituation = usual();
const serverRoot = root();
const serverRows: readonly ServerRow[] = [
  { name: 'a client that sends no certificate', client: () => undefined, node: 'UNABLE_TO_GET_ISSUER_CERT' },
  {
    name: 'a client certificate from a CA the server does not trust',
    node: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    client: () => {
      const i = ca(root());
      const l = leafUnder(i);
      return { cert: l.cert.pem + i.certificate.pem, key: l.key.privateKeyPem };
    },
  },
  {
    name: 'an expired client certificate',
    node: 'CERT_HAS_EXPIRED',
    client: () => {
      const l = leafUnder(serverRoot, { notBefore: new Date(Date.now() - 10 * DAY), notAfter: new Date(Date.now() - DAY) });
      return { cert: l.cert.pem, key: l.key.privateKeyPem };
    },
  },
];

async function serverView(
  create: typeof tls.createServer | typeof tlskitCreateServer,
  client: { cert: string; key: string } | undefined,
): Promise<{ authorized: boolean; authorizationError: unknown }> {
  const options = { key: serverSituation.key, cert: serverSituation.chain, ca: serverRoot.certificate.pem, requestCert: true, rejectUnauthorized: false };
  let seen: { authorized: boolean; authorizationError: unknown } | undefined;
  const server = (create as typeof tls.createServer)(options, (socket) => {
    seen = { authorized: socket.authorized, authorizationError: socket.authorizationError };
    socket.on('error', () => {});
    socket.end('bye');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: serverSituation.ca, ...(client ?? {}) });
      socket.on('data', () => {});
      socket.on('error', reject);
      socket.on('close', () => resolve());
      setTimeout(() => reject(new Error('timed out')), TIMEOUT_MS).unref();
    });
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  assert.ok(seen, 'the server saw the connection');
  return seen;
}

for (const row of serverRows) {
  test(`server with requestCert and rejectUnauthorized: false, ${row.name}: authorizationError ${row.node}, as node:tls`, {
    timeout: 4 * TIMEOUT_MS,
  }, async () => {
    const client = row.client();
    const expected = { authorized: false, authorizationError: row.node };
    assert.deepEqual(await serverView(tls.createServer, client), expected, 'node:tls server');
    assert.deepEqual(await serverView(tlskitCreateServer, client), expected, 'tlskit server');
  });
}

test('authorized: authorizationError is null on both sides, as node:tls', { timeout: 4 * TIMEOUT_MS }, async () => {
  const l = leafUnder(serverRoot, { extendedKeyUsage: ['clientAuth'] });
  const client = { cert: l.cert.pem, key: l.key.privateKeyPem };
  for (const create of [tls.createServer, tlskitCreateServer]) {
    assert.deepEqual(await serverView(create, client), { authorized: true, authorizationError: null });
  }
});

test('a leaf naming its host only in the commonName connects through a checkServerIdentity that checks it, as the error advises', {
  timeout: 2 * TIMEOUT_MS,
}, async () => {
  const r = root();
  const k = key();
  const leaf = createCertificate({ subject: 'CN=svc.example.com', subjectKey: k, issuer: r });
  const situation: Situation = { chain: leaf.pem, key: k.privateKeyPem, ca: r.certificate.pem };
  await withServer(situation, async (port) => {
    const outcome = (options: Record<string, unknown>): Promise<string> =>
      new Promise((resolve) => {
        const socket = tlskitConnect({ host: '127.0.0.1', port, servername: 'svc.example.com', ca: situation.ca, ...options });
        socket.on('secureConnect', () => {
          resolve(`authorized ${socket.authorized}`);
          socket.destroy();
        });
        socket.on('error', (err: NodeJS.ErrnoException) => resolve(`${err.code}: ${err.message}`));
      });
    assert.match(
      await outcome({}),
      /^ERR_TLS_CERT_ALTNAME_INVALID: .*names its host only in the subject commonName \("svc\.example\.com"\).*\(for example DNS:svc\.example\.com\), or pass a checkServerIdentity/,
    );
    const byCommonName = (host: string, cert: { subject?: { CN?: string } }): Error | undefined =>
      cert.subject?.CN === host ? undefined : new Error(`not ${host}`);
    assert.equal(await outcome({ checkServerIdentity: byCommonName }), 'authorized true');
  });
});
