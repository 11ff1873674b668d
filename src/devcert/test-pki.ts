// A ready-made CA → (intermediate →) leaf chain for tests, in one call. Fast by default (P-256);
// RSA keys take a second or more to generate, so those are made once per process and role.
import { createCertificate, generateKeyPair, type IssuedCertificate, type Issuer, type KeyKind, type KeyPair } from './certificate-builder.js';
import { subjectAltNamesFor } from './names.js';

export interface TestPkiOptions {
  /** Default 'ec-p256'. */
  readonly leafKey?: KeyKind;
  /** For the root and the intermediate; default 'ec-p256'. */
  readonly caKey?: KeyKind;
  /** DNS names, wildcards, IP literals, e-mail addresses, URIs. Default: localhost, 127.0.0.1, ::1. */
  readonly names?: readonly string[];
  /** Put an intermediate CA between root and leaf. */
  readonly intermediate?: boolean;
}

export interface TestPki {
  /** The self-signed root and its key. */
  readonly ca: Issuer;
  readonly intermediate?: Issuer;
  readonly leaf: IssuedCertificate;
  readonly leafKey: KeyPair;
  /** What a server sends: leaf, then the intermediate when there is one. */
  readonly chainPem: string;
  /** What a client trusts. */
  readonly caPem: string;
  /** The leaf's PKCS#8 key. */
  readonly keyPem: string;
}

export type TestKeyRole = 'ca' | 'intermediate' | 'leaf';

const slowKinds = new Set<KeyKind>(['rsa-2048', 'rsa-3072', 'rsa-4096', 'rsa-pss-2048']);
const keyCache = new Map<string, KeyPair>();

/**
 * A key for tests: RSA kinds are generated once per process and role (so a CA and its leaf never
 * share a key), the fast kinds fresh every time.
 */
export function testKeyPair(kind: KeyKind, role: TestKeyRole = 'leaf'): KeyPair {
  if (!slowKinds.has(kind)) return generateKeyPair(kind);
  const id = `${kind}/${role}`;
  let key = keyCache.get(id);
  if (!key) {
    key = generateKeyPair(kind);
    keyCache.set(id, key);
  }
  return key;
}

const DEFAULT_NAMES = ['localhost', '127.0.0.1', '::1'];

export function createTestPki(options: TestPkiOptions = {}): TestPki {
  const names = options.names ?? DEFAULT_NAMES;
  const caKind = options.caKey ?? 'ec-p256';
  const rootKey = testKeyPair(caKind, 'ca');
  const ca: Issuer = {
    key: rootKey,
    certificate: createCertificate({ subject: 'CN=tlskit test root CA, O=tlskit test', subjectKey: rootKey, isCA: true }),
  };
  let intermediate: Issuer | undefined;
  if (options.intermediate) {
    const key = testKeyPair(caKind, 'intermediate');
    intermediate = {
      key,
      certificate: createCertificate({ subject: 'CN=tlskit test intermediate CA, O=tlskit test', subjectKey: key, issuer: ca, isCA: true, pathLength: 0 }),
    };
  }
  const leafKey = testKeyPair(options.leafKey ?? 'ec-p256', 'leaf');
  const leaf = createCertificate({
    subject:
      names.length > 0
        ? [
            { type: 'O', value: 'tlskit test' },
            { type: 'CN', value: names[0]! },
          ]
        : 'O=tlskit test',
    subjectKey: leafKey,
    issuer: intermediate ?? ca,
    subjectAltNames: subjectAltNamesFor(names),
  });
  return {
    ca,
    ...(intermediate ? { intermediate } : {}),
    leaf,
    leafKey,
    chainPem: leaf.pem + (intermediate?.certificate.pem ?? ''),
    caPem: ca.certificate.pem,
    keyPem: leafKey.privateKeyPem,
  };
}
