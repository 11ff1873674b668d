// The `ciphers` option as node:tls reads it: one OpenSSL cipher string in which the TLS_* names
// choose the TLS 1.3 suites and everything else is an OpenSSL cipher list for TLS 1.2 (node splits
// the string that way). A part that is absent keeps that version's defaults; a part that is
// present but selects no suite tlskit implements is an error (ERR_SSL_NO_CIPHER_MATCH, as node
// raises for a list OpenSSL cannot match), never a silent fallback to the defaults.
import { ALL_CIPHER_SUITES, DEFAULT_CIPHER_SUITES, type CipherSuite } from '../protocol/cipher-suites.js';

/** The error node:tls raises for a cipher list that matches nothing (Error with code ERR_SSL_NO_CIPHER_MATCH). */
export class NoCipherMatchError extends Error {
  readonly code = 'ERR_SSL_NO_CIPHER_MATCH';
  readonly reason = 'no cipher match';
}

const TLS12_SUITES = ALL_CIPHER_SUITES.filter((s) => s.version === 'TLSv1.2');
const TLS13_SUITES = ALL_CIPHER_SUITES.filter((s) => s.version === 'TLSv1.3');

/** OpenSSL names (TLS 1.2) and IANA names (both), for error messages. */
export function supportedCipherNames(): string[] {
  return ALL_CIPHER_SUITES.map((s) => s.opensslName);
}

const isEcdhe = (s: CipherSuite) => s.keyExchange === 'ecdhe';
const isKrsa = (s: CipherSuite) => s.keyExchange === 'rsa';

/**
 * OpenSSL's cipher-list aliases, as sets of our TLS 1.2 suites. Group aliases (ALL, DEFAULT, HIGH,
 * AES, AESGCM, aRSA, ...) select the forward-secret suites only: RSA key transport (no forward
 * secrecy) comes in by its own name or kRSA/RSA alone, as the `ciphers` default leaves it out.
 * Aliases of algorithms tlskit does not implement (CBC, SHA1, DHE, 3DES, CAMELLIA, ...) and names of
 * suites it lacks select none: OpenSSL skips such names too, and a list left empty is an error.
 */
const ALIASES: Record<string, (s: CipherSuite) => boolean> = {
  ALL: isEcdhe,
  DEFAULT: isEcdhe,
  HIGH: isEcdhe,
  'TLSV1.2': isEcdhe,
  FIPS: isEcdhe,
  ECDHE: isEcdhe,
  EECDH: isEcdhe,
  KECDHE: isEcdhe,
  KEECDH: isEcdhe,
  AECDSA: (s) => s.authentication === 'ecdsa',
  ECDSA: (s) => s.authentication === 'ecdsa',
  ARSA: (s) => isEcdhe(s) && s.authentication === 'rsa',
  KRSA: isKrsa,
  RSA: isKrsa,
  AESGCM: (s) => isEcdhe(s) && s.aead !== 'chacha20-poly1305',
  AES: (s) => isEcdhe(s) && s.aead !== 'chacha20-poly1305',
  AES128: (s) => isEcdhe(s) && s.aead === 'aes-128-gcm',
  AES256: (s) => isEcdhe(s) && s.aead === 'aes-256-gcm',
  CHACHA20: (s) => isEcdhe(s) && s.aead === 'chacha20-poly1305',
};

/** The TLS 1.2 suites a word selects (unknown names select none, as OpenSSL skips them). */
function matchToken(word: string): CipherSuite[] {
  // 'A+B': the suites matching every part (OpenSSL's combination syntax).
  const parts = word.split('+');
  let result: CipherSuite[] | undefined;
  for (const part of parts) {
    const upper = part.toUpperCase();
    let set: CipherSuite[];
    const exact = TLS12_SUITES.find((s) => s.opensslName === upper || s.name === upper);
    if (exact) set = [exact];
    else if (ALIASES[upper]) set = TLS12_SUITES.filter(ALIASES[upper]!);
    else set = [];
    result = result === undefined ? set : result.filter((s) => set.includes(s));
  }
  return result ?? [];
}

export interface ParsedCiphers {
  readonly suites: CipherSuite[];
  /** The string has no TLS 1.2 part (only TLS_* names): node then raises the minimum version to TLS 1.3. */
  readonly tls13Only: boolean;
}

function noMatch(option: string, tokens: readonly string[], version: string): NoCipherMatchError {
  return new NoCipherMatchError(
    `${option}: no cipher match: "${tokens.join(':')}" selects no ${version} cipher suite tlskit implements ` +
      `(supported: ${supportedCipherNames().join(', ')})`,
  );
}

/** OpenSSL's @SECLEVEL: levels 0 to 2 ask for nothing tlskit does not already require. */
function checkSecurityLevel(option: string, value: string): void {
  const level = Number(value);
  if (!Number.isInteger(level) || level < 0 || level > 5) throw new TypeError(`${option}: invalid @SECLEVEL=${value}`);
  if (level > 2) {
    throw new TypeError(
      `${option}: @SECLEVEL=${level} is not supported: tlskit does not apply OpenSSL's level ${level} key-size rules; ` +
        'leave out @SECLEVEL (tlskit already refuses what level 2 refuses) and restrict minVersion, ciphers and sigalgs instead',
    );
  }
}

/**
 * Reads a cipher string. `undefined` gives the defaults. Throws NoCipherMatchError when a part
 * selects no implemented suite, and TypeError for syntax tlskit does not honour.
 */
export function parseCipherString(ciphers: string | undefined, option = 'ciphers'): ParsedCiphers {
  // As node: an empty string means the defaults too.
  if (ciphers === undefined || ciphers === '') return { suites: [...DEFAULT_CIPHER_SUITES], tls13Only: false };
  const tokens = ciphers.split(/[:,\s]+/).filter((t) => t.length > 0);
  // Node: TLS_* names go to the TLS 1.3 list (IANA names of TLS 1.2 suites are tlskit's extension).
  const isTls13Token = (t: string) => /^TLS_/i.test(t) && !TLS12_SUITES.some((s) => s.name === t.toUpperCase());
  const tls13Tokens = tokens.filter(isTls13Token);
  const tls12Tokens = tokens.filter((t) => !isTls13Token(t));
  if (tls13Tokens.length === 0 && tls12Tokens.length === 0) {
    const err = new TypeError(`The property 'options.${option}' is invalid. Received ${JSON.stringify(ciphers)}`);
    throw Object.assign(err, { code: 'ERR_INVALID_ARG_VALUE' });
  }

  // TLS 1.3: the named suites in order; names OpenSSL would not know are skipped as OpenSSL does.
  let tls13: CipherSuite[];
  if (tls13Tokens.length === 0) tls13 = DEFAULT_CIPHER_SUITES.filter((s) => s.version === 'TLSv1.3');
  else {
    tls13 = [];
    for (const t of tls13Tokens) {
      const s = TLS13_SUITES.find((x) => x.name === t.toUpperCase());
      if (s && !tls13.includes(s)) tls13.push(s);
    }
    if (tls13.length === 0) throw noMatch(option, tls13Tokens, 'TLS 1.3');
  }

  // TLS 1.2: OpenSSL's list operations over our suites.
  let list: CipherSuite[] = [];
  const banned = new Set<CipherSuite>();
  for (const raw of tls12Tokens) {
    let token = raw;
    // "@SECLEVEL=n" and "@STRENGTH" may end a word (DEFAULT@SECLEVEL=1) or stand alone.
    const at = token.indexOf('@');
    if (at >= 0) {
      for (const directive of token.slice(at + 1).split('@')) {
        const [name, value] = directive.split('=');
        if (name!.toUpperCase() === 'SECLEVEL') checkSecurityLevel(option, value ?? '');
        else if (name!.toUpperCase() === 'STRENGTH') list = [...list].sort((a, b) => b.keyLength - a.keyLength);
        else throw new TypeError(`${option}: unsupported directive @${directive} (tlskit knows @SECLEVEL and @STRENGTH)`);
      }
      token = token.slice(0, at);
      if (token.length === 0) continue;
    }
    const op = '!-+'.includes(token[0]!) ? token[0]! : '';
    const word = op ? token.slice(1) : token;
    const suites = matchToken(word);
    if (op === '!') {
      for (const s of suites) banned.add(s);
      list = list.filter((s) => !banned.has(s));
    } else if (op === '-') list = list.filter((s) => !suites.includes(s));
    else if (op === '+') list = [...list.filter((s) => !suites.includes(s)), ...list.filter((s) => suites.includes(s))];
    else for (const s of suites) if (!banned.has(s) && !list.includes(s)) list.push(s);
  }
  if (tls12Tokens.length > 0 && list.length === 0) throw noMatch(option, tls12Tokens, 'TLS 1.2');
  return { suites: [...tls13, ...list], tls13Only: tls12Tokens.length === 0 };
}
