// tls.checkServerIdentity(hostname, cert) for node's certificate object (getPeerCertificate()'s
// shape), with tlskit's matching rules (RFC 9525, as its verifier): subjectAltName only, a wildcard
// is a whole left-most label. For certificates with such names it answers as node's does, with
// node's error (code ERR_TLS_CERT_ALTNAME_INVALID, reason, host, cert). Two deliberate
// differences, both said in the reason: no fallback to the subject CN when the certificate has no
// subjectAltName, and no partial-label wildcards ("ba*.example.com").
import * as net from 'node:net';
import { parseIPAddress, formatIPAddress } from '../x509/ip-address.js';
import { presentedDnsNameMatches } from '../x509/hostname.js';

interface CertLike {
  subject?: Record<string, unknown>;
  subjectaltname?: string;
}

/** node's ERR_TLS_CERT_ALTNAME_INVALID. */
function altnameInvalid(reason: string, host: string, cert: unknown): Error {
  return Object.assign(new Error(`Hostname/IP does not match certificate's altnames: ${reason}`), {
    code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    reason,
    host,
    cert,
  });
}

/** Splits node's subjectaltname string ("DNS:a, IP Address:1.2.3.4, ..."), quoted entries included. */
function splitAltNames(text: string): string[] {
  const out: string[] = [];
  const re = /(?:^|, )((?:[A-Za-z ]+):(?:"(?:[^"\\]|\\.)*"|[^,]*))/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(m[1]!);
  return out;
}

export function checkServerIdentity(hostname: string, cert: CertLike): Error | undefined {
  const host = String(hostname).replace(/\.$/, '');
  const altNames = cert.subjectaltname ?? '';
  const dnsNames: string[] = [];
  const ips: string[] = [];
  for (const entry of splitAltNames(altNames)) {
    if (entry.startsWith('DNS:')) dnsNames.push(entry.slice(4));
    else if (entry.startsWith('IP Address:')) {
      const bytes = parseIPAddress(entry.slice(11).trim());
      if (bytes) ips.push(formatIPAddress(bytes));
    }
  }
  if (net.isIP(host)) {
    const ip = parseIPAddress(host);
    if (ip && ips.includes(formatIPAddress(ip))) return undefined;
    return altnameInvalid(`IP: ${host} is not in the cert's list: ${ips.join(', ')}`, host, cert);
  }
  if (dnsNames.length > 0) {
    if (dnsNames.some((p) => presentedDnsNameMatches(p, host))) return undefined;
    return altnameInvalid(`Host: ${host}. is not in the cert's altnames: ${altNames}`, host, cert);
  }
  const cn = cert.subject?.CN;
  if (cn !== undefined) {
    return altnameInvalid(
      `Host: ${host}. has no DNS name in the cert's subjectAltName, and tlskit does not fall back to the subject CN (${String(cn)}) (RFC 9525 §6.4.4): reissue the certificate with a subjectAltName`,
      host,
      cert,
    );
  }
  return altnameInvalid('Cert does not contain a DNS name', host, cert);
}
