// PKCS#12 (RFC 7292) files, the `pfx` option: the private keys and certificates inside, after the
// integrity MAC checked out. The ASN.1 structure is read here; every primitive (hashes, HMAC,
// PBKDF2, AES/3DES, PKCS#8 decryption) is node:crypto's. Read: what OpenSSL 3 writes by default
// (PBES2 with PBKDF2 and AES-CBC, HMAC-SHA-256 MAC) and the legacy 3DES/SHA-1 form; RC2 and RC4
// encryption (`openssl pkcs12 -legacy` puts the certificates under 40-bit RC2) are refused with
// the way to re-export, because node:crypto has no RC2 or RC4 cipher.
import * as crypto from 'node:crypto';
import { DerReader, Tag, contextTag } from '../asn1/der.js';

const OID = {
  data: '1.2.840.113549.1.7.1',
  encryptedData: '1.2.840.113549.1.7.6',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  pkcs8ShroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  safeContentsBag: '1.2.840.113549.1.12.10.1.6',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  pbmac1: '1.2.840.113549.1.5.14',
} as const;

/** RFC 7292 Appendix C: the password-based encryption schemes of PKCS#12 itself. */
const PKCS12_PBE: Record<string, { name: string; cipher?: string; keyLength: number; ivLength: number }> = {
  '1.2.840.113549.1.12.1.1': { name: 'pbeWithSHAAnd128BitRC4', keyLength: 16, ivLength: 0 },
  '1.2.840.113549.1.12.1.2': { name: 'pbeWithSHAAnd40BitRC4', keyLength: 5, ivLength: 0 },
  '1.2.840.113549.1.12.1.3': { name: 'pbeWithSHAAnd3-KeyTripleDES-CBC', cipher: 'des-ede3-cbc', keyLength: 24, ivLength: 8 },
  '1.2.840.113549.1.12.1.4': { name: 'pbeWithSHAAnd2-KeyTripleDES-CBC', keyLength: 16, ivLength: 8 },
  '1.2.840.113549.1.12.1.5': { name: 'pbeWithSHAAnd128BitRC2-CBC', cipher: 'rc2-cbc', keyLength: 16, ivLength: 8 },
  '1.2.840.113549.1.12.1.6': { name: 'pbeWithSHAAnd40BitRC2-CBC', cipher: 'rc2-40-cbc', keyLength: 5, ivLength: 8 },
};

const HASHES: Record<string, { name: string; blockSize: number }> = {
  '1.3.14.3.2.26': { name: 'sha1', blockSize: 64 },
  '2.16.840.1.101.3.4.2.4': { name: 'sha224', blockSize: 64 },
  '2.16.840.1.101.3.4.2.1': { name: 'sha256', blockSize: 64 },
  '2.16.840.1.101.3.4.2.2': { name: 'sha384', blockSize: 128 },
  '2.16.840.1.101.3.4.2.3': { name: 'sha512', blockSize: 128 },
};

const HMAC_PRFS: Record<string, string> = {
  '1.2.840.113549.2.7': 'sha1',
  '1.2.840.113549.2.8': 'sha224',
  '1.2.840.113549.2.9': 'sha256',
  '1.2.840.113549.2.10': 'sha384',
  '1.2.840.113549.2.11': 'sha512',
};

const PBES2_CIPHERS: Record<string, { cipher: string; keyLength: number }> = {
  '2.16.840.1.101.3.4.1.2': { cipher: 'aes-128-cbc', keyLength: 16 },
  '2.16.840.1.101.3.4.1.22': { cipher: 'aes-192-cbc', keyLength: 24 },
  '2.16.840.1.101.3.4.1.42': { cipher: 'aes-256-cbc', keyLength: 32 },
  '1.2.840.113549.3.7': { cipher: 'des-ede3-cbc', keyLength: 24 },
};

const REEXPORT =
  're-export the file with current algorithms, e.g. `openssl pkcs12 -in old.p12 -nodes -legacy -out all.pem` then ' +
  '`openssl pkcs12 -export -in all.pem -out new.p12` (OpenSSL 3 defaults: AES-256-CBC, HMAC-SHA-256)';

/** A PKCS#12 problem: node's code for a pfx it cannot load, with what went wrong. */
export class Pkcs12Error extends Error {
  readonly code = 'ERR_CRYPTO_OPERATION_FAILED';
}

function fail(why: string): Pkcs12Error {
  return new Pkcs12Error(`Unable to load PFX certificate: ${why}`);
}

// Iteration counts come from the file: bound each and their sum, so a crafted pfx (many bags, each
// at a large count; the Appendix B KDF runs a JavaScript loop) cannot hold the process for minutes.
// Windows caps PKCS#12 counts at 600,000; OpenSSL writes 2048, Java and .NET 10,000 or fewer.
const MAX_ITERATIONS = 1_000_000;
const MAX_TOTAL_ITERATIONS = 4_000_000;

/** What key derivations may still cost, in hash iterations, while one file is read. */
interface WorkBudget {
  left: number;
}

/** Charges `derivations` runs of `iterations` each to `budget`, or fails naming the count. */
function spend(budget: WorkBudget, iterations: number, derivations: number, what: string): void {
  if (iterations < 1 || iterations > MAX_ITERATIONS) {
    throw fail(`${what} iteration count ${iterations} is out of range (tlskit reads 1 to ${MAX_ITERATIONS}): ${REEXPORT}`);
  }
  budget.left -= iterations * derivations;
  if (budget.left < 0) throw fail(`the key derivations of this file would exceed ${MAX_TOTAL_ITERATIONS} iterations in all: ${REEXPORT}`);
}

export interface Pkcs12Contents {
  /** Private keys, as node:crypto KeyObjects. */
  readonly keys: crypto.KeyObject[];
  /** Certificates (DER), in file order. */
  readonly certificates: Uint8Array[];
}

/** RFC 7292 Appendix B.1: the password as a BMPString with two zero bytes at the end. */
export function bmpPassword(password: string): Buffer {
  const out = Buffer.alloc(password.length * 2 + 2);
  for (let i = 0; i < password.length; i++) out.writeUInt16BE(password.charCodeAt(i), i * 2);
  return out;
}

/**
 * RFC 7292 Appendix B.2: PKCS#12's own key derivation (id 1: key, 2: IV, 3: MAC key), built on
 * node:crypto's hash.
 */
export function pkcs12Kdf(hash: string, blockSize: number, password: Buffer, salt: Uint8Array, iterations: number, id: number, length: number): Buffer {
  const v = blockSize;
  const repeat = (src: Uint8Array): Buffer => {
    if (src.length === 0) return Buffer.alloc(0);
    const n = v * Math.ceil(src.length / v);
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = src[i % src.length]!;
    return out;
  };
  const D = Buffer.alloc(v, id);
  const I = Buffer.concat([repeat(salt), repeat(password)]);
  const parts: Buffer[] = [];
  let produced = 0;
  while (produced < length) {
    let A = crypto.createHash(hash).update(D).update(I).digest();
    for (let r = 1; r < iterations; r++) A = crypto.createHash(hash).update(A).digest();
    parts.push(A);
    produced += A.length;
    if (produced >= length) break;
    // I_j = (I_j + B + 1) mod 2^(8v), B being A repeated to v bytes.
    const B = repeat(A);
    for (let j = 0; j < I.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = I[j + k]! + B[k]! + carry;
        I[j + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return Buffer.concat(parts).subarray(0, length);
}

function hashOf(oid: string, what: string): { name: string; blockSize: number } {
  const h = HASHES[oid];
  if (!h) throw fail(`${what} uses an unsupported hash (${oid})`);
  return h;
}

/** The passwords OpenSSL tries: none given means the empty password, in its two encodings. */
function candidatePasswords(passphrase: string | undefined): (string | undefined)[] {
  return passphrase === undefined || passphrase === '' ? ['', undefined] : [passphrase];
}

/** RFC 7292 §4: MacData over the authSafe content, with a key from the Appendix B KDF. */
function checkMac(mac: DerReader, content: Uint8Array, passwords: (string | undefined)[], budget: WorkBudget): string | undefined {
  const digestInfo = mac.sequence('mac');
  const alg = digestInfo.sequence('digestAlgorithm');
  const algOid = alg.oid('algorithm');
  if (algOid === OID.pbmac1) throw fail(`the MAC is PBMAC1 (RFC 9579), which tlskit does not read yet: ${REEXPORT}`);
  const hash = hashOf(algOid, 'the MAC');
  const expected = digestInfo.value(Tag.OCTET_STRING, 'digest');
  const salt = mac.value(Tag.OCTET_STRING, 'macSalt');
  const iterations = mac.atEnd ? 1 : mac.smallInteger('iterations');
  for (const password of passwords) {
    spend(budget, iterations, 1, 'MAC');
    const pw = password === undefined ? Buffer.alloc(0) : bmpPassword(password);
    const key = pkcs12Kdf(hash.name, hash.blockSize, pw, salt, iterations, 3, crypto.createHash(hash.name).digest().length);
    const actual = crypto.createHmac(hash.name, key).update(content).digest();
    if (actual.length === expected.length && crypto.timingSafeEqual(actual, expected)) return password;
  }
  throw fail('mac verify failure (wrong passphrase, or a damaged file)');
}

/** Decrypts an EncryptedContentInfo's content (RFC 5652 §6.1) under PBES2 or PKCS#12 PBE. */
function decrypt(algorithm: DerReader, ciphertext: Uint8Array, password: string | undefined, budget: WorkBudget): Buffer {
  const oid = algorithm.oid('algorithm');
  if (oid === OID.pbes2) {
    // RFC 8018 §6.2 / A.4: PBES2-params { keyDerivationFunc, encryptionScheme }; PKCS#12 passes the password as its UTF-8 bytes.
    const params = algorithm.sequence('PBES2-params');
    const kdf = params.sequence('keyDerivationFunc');
    if (kdf.oid('kdf') !== OID.pbkdf2) throw fail(`PBES2 with an unsupported key derivation: ${REEXPORT}`);
    const p = kdf.sequence('PBKDF2-params');
    const salt = p.value(Tag.OCTET_STRING, 'salt');
    const iterations = p.smallInteger('iterationCount');
    if (p.peekTag() === Tag.INTEGER) p.smallInteger('keyLength');
    let prf = 'sha1';
    if (!p.atEnd) {
      const prfAlg = p.sequence('prf');
      const prfOid = prfAlg.oid('prf');
      const name = HMAC_PRFS[prfOid];
      if (!name) throw fail(`PBKDF2 with an unsupported PRF (${prfOid})`);
      prf = name;
    }
    const scheme = params.sequence('encryptionScheme');
    const cipherOid = scheme.oid('encryptionScheme');
    const cipher = PBES2_CIPHERS[cipherOid];
    if (!cipher) throw fail(`PBES2 with an unsupported cipher (${cipherOid}): ${REEXPORT}`);
    const iv = scheme.value(Tag.OCTET_STRING, 'iv');
    spend(budget, iterations, 1, 'PBKDF2');
    const key = crypto.pbkdf2Sync(Buffer.from(password ?? '', 'utf8'), salt, iterations, cipher.keyLength, prf);
    return decipher(cipher.cipher, key, iv, ciphertext);
  }
  const pbe = PKCS12_PBE[oid];
  if (!pbe) throw fail(`content encrypted with an unsupported algorithm (${oid}): ${REEXPORT}`);
  if (!pbe.cipher || !crypto.getCiphers().includes(pbe.cipher)) {
    throw fail(`content encrypted with ${pbe.name}, a legacy algorithm node:crypto does not provide here: ${REEXPORT}`);
  }
  // RFC 7292 Appendix C: pkcs-12PbeParams { salt, iterations }, key and IV from the Appendix B KDF over SHA-1.
  const params = algorithm.sequence('pkcs-12PbeParams');
  const salt = params.value(Tag.OCTET_STRING, 'salt');
  const iterations = params.smallInteger('iterations');
  spend(budget, iterations, 2, 'PBE'); // the key and the IV
  const pw = password === undefined ? Buffer.alloc(0) : bmpPassword(password);
  const key = pkcs12Kdf('sha1', 64, pw, salt, iterations, 1, pbe.keyLength);
  const iv = pkcs12Kdf('sha1', 64, pw, salt, iterations, 2, pbe.ivLength);
  return decipher(pbe.cipher, key, iv, ciphertext);
}

function decipher(name: string, key: Buffer, iv: Uint8Array, ciphertext: Uint8Array): Buffer {
  try {
    const d = crypto.createDecipheriv(name, key, iv);
    return Buffer.concat([d.update(ciphertext), d.final()]);
  } catch {
    throw fail('decryption failed (wrong passphrase)');
  }
}

/** RFC 7292 §4.2: SafeContents ::= SEQUENCE OF SafeBag. */
function readSafeContents(
  der: Uint8Array,
  password: string | undefined,
  out: { keys: crypto.KeyObject[]; certificates: Uint8Array[] },
  budget: WorkBudget,
  depth = 0,
): void {
  if (depth > 4) throw fail('safe contents nested too deeply');
  const bags = new DerReader(der, 'PKCS#12 SafeContents').sequence('SafeContents');
  while (!bags.atEnd) {
    const bag = bags.sequence('SafeBag');
    const bagId = bag.oid('bagId');
    const value = bag.read(contextTag(0, true), 'bagValue');
    if (bagId === OID.keyBag) {
      out.keys.push(crypto.createPrivateKey({ key: Buffer.from(value.element('PrivateKeyInfo', Tag.SEQUENCE)), format: 'der', type: 'pkcs8' }));
    } else if (bagId === OID.pkcs8ShroudedKeyBag) {
      const encrypted = Buffer.from(value.element('EncryptedPrivateKeyInfo', Tag.SEQUENCE));
      const info = new DerReader(encrypted, 'EncryptedPrivateKeyInfo').sequence('EncryptedPrivateKeyInfo');
      const algorithm = info.sequence('encryptionAlgorithm');
      const ciphertext = info.value(Tag.OCTET_STRING, 'encryptedData');
      const pkcs8 = decrypt(algorithm, ciphertext, password, budget);
      out.keys.push(crypto.createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }));
    } else if (bagId === OID.certBag) {
      const certBag = value.sequence('CertBag');
      if (certBag.oid('certId') !== OID.x509Certificate) continue; // SDSI certificates: not for TLS
      out.certificates.push(certBag.read(contextTag(0, true), 'certValue').value(Tag.OCTET_STRING, 'certificate'));
    } else if (bagId === OID.safeContentsBag) {
      readSafeContents(value.element('SafeContents', Tag.SEQUENCE), password, out, budget, depth + 1);
    }
    // CRL and secret bags carry nothing a TLS endpoint uses: skipped.
  }
}

/** Reads a PKCS#12 file (DER). Throws Pkcs12Error saying what is wrong or unsupported. */
export function readPkcs12(pfx: Uint8Array, passphrase?: string): Pkcs12Contents {
  try {
    const pfxSeq = new DerReader(pfx, 'PKCS#12 file').sequence('PFX');
    if (pfxSeq.smallInteger('version') !== 3) throw fail('not a version 3 PKCS#12 file');
    const authSafe = pfxSeq.sequence('authSafe');
    if (authSafe.oid('contentType') !== OID.data) throw fail('public-key integrity mode is not supported: export with a password');
    const content = authSafe.read(contextTag(0, true), 'content').value(Tag.OCTET_STRING, 'authSafe data');
    const budget: WorkBudget = { left: MAX_TOTAL_ITERATIONS };
    let password: string | undefined = passphrase;
    if (!pfxSeq.atEnd) password = checkMac(pfxSeq.sequence('macData'), content, candidatePasswords(passphrase), budget);
    const out = { keys: [] as crypto.KeyObject[], certificates: [] as Uint8Array[] };
    const infos = new DerReader(content, 'PKCS#12 AuthenticatedSafe').sequence('AuthenticatedSafe');
    while (!infos.atEnd) {
      const info = infos.sequence('ContentInfo');
      const type = info.oid('contentType');
      const body = info.read(contextTag(0, true), 'content');
      if (type === OID.data) readSafeContents(body.value(Tag.OCTET_STRING, 'data'), password, out, budget);
      else if (type === OID.encryptedData) {
        // RFC 5652 §8: EncryptedData { version, EncryptedContentInfo { contentType, algorithm, [0] IMPLICIT content } }
        const enc = body.sequence('EncryptedData');
        enc.smallInteger('version');
        const eci = enc.sequence('EncryptedContentInfo');
        eci.oid('contentType');
        const algorithm = eci.sequence('contentEncryptionAlgorithm');
        const ciphertext = eci.value(contextTag(0, false), 'encryptedContent');
        readSafeContents(decrypt(algorithm, ciphertext, password, budget), password, out, budget);
      } else throw fail(`unsupported content type ${type}`);
    }
    return out;
  } catch (err) {
    if (err instanceof Pkcs12Error) throw err;
    throw fail((err as Error).message);
  }
}
