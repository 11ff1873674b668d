// PKCS#12 output for `tlskit cert --pkcs12` (RFC 7292), in OpenSSL 3's modern form: the key as a
// PKCS#8 EncryptedPrivateKeyInfo (PBES2, PBKDF2 with HMAC-SHA-256, AES-256-CBC, as node:crypto
// writes it), the certificates in a plain data bag, and an HMAC-SHA-256 MAC keyed by the PKCS#12
// KDF (RFC 7292 Appendix B). The key and its certificate share a localKeyId, as importers expect.
import { createHash, createHmac, createPrivateKey, randomBytes } from 'node:crypto';
import { bmpPassword, pkcs12Kdf } from './pkcs12.js';
import { explicit, integer, nullValue, octetString, oid, sequence, set, tagged } from '../asn1/der-writer.js';

const OID = {
  data: '1.2.840.113549.1.7.1',
  pkcs8ShroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  friendlyName: '1.2.840.113549.1.9.20',
  localKeyId: '1.2.840.113549.1.9.21',
  sha256: '2.16.840.1.101.3.4.2.1',
} as const;

/** Iterations of PBKDF2 and of the MAC's KDF: OpenSSL 3's default. */
const ITERATIONS = 2048;

/** BMPString (X.690 tag 30): the friendlyName's type. */
function bmpString(text: string): Uint8Array {
  const b = Buffer.alloc(text.length * 2);
  for (let i = 0; i < text.length; i++) b.writeUInt16BE(text.charCodeAt(i), i * 2);
  return tagged('universal', false, 30, b);
}

function attributes(localKeyId: Uint8Array, friendlyName: string): Uint8Array {
  return set(sequence(oid(OID.friendlyName), set(bmpString(friendlyName))), sequence(oid(OID.localKeyId), set(octetString(localKeyId))));
}

/** ContentInfo { id-data, [0] EXPLICIT OCTET STRING } around SafeContents. */
function dataContentInfo(content: Uint8Array): Uint8Array {
  return sequence(oid(OID.data), explicit(0, octetString(content)));
}

/**
 * A PKCS#12 file holding `keyPem` and `certificates` (DER, leaf first; the leaf gets the key's
 * localKeyId), protected by `password`.
 */
export function writePkcs12(keyPem: string, certificates: readonly Uint8Array[], password: string, friendlyName: string): Uint8Array {
  if (certificates.length === 0) throw new TypeError('a PKCS#12 file needs the certificate of its key');
  const localKeyId = createHash('sha1').update(certificates[0]!).digest();
  const encryptedKey = createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'der', cipher: 'aes-256-cbc', passphrase: password });
  const keyBag = sequence(oid(OID.pkcs8ShroudedKeyBag), explicit(0, encryptedKey), attributes(localKeyId, friendlyName));
  const certBags = certificates.map((der, i) => {
    const bag = sequence(oid(OID.x509Certificate), explicit(0, octetString(der)));
    return i === 0 ? sequence(oid(OID.certBag), explicit(0, bag), attributes(localKeyId, friendlyName)) : sequence(oid(OID.certBag), explicit(0, bag));
  });
  const authSafe = sequence(dataContentInfo(sequence(...certBags)), dataContentInfo(sequence(keyBag)));
  // RFC 7292 §4: MacData, an HMAC over the authSafe content with a key from the Appendix B KDF (id 3).
  const salt = randomBytes(16);
  const macKey = pkcs12Kdf('sha256', 64, bmpPassword(password), salt, ITERATIONS, 3, 32);
  const mac = createHmac('sha256', macKey).update(authSafe).digest();
  const macData = sequence(sequence(sequence(oid(OID.sha256), nullValue()), octetString(mac)), octetString(salt), integer(ITERATIONS));
  return sequence(integer(3), dataContentInfo(authSafe), macData);
}
