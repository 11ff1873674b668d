// Service identity checks (RFC 9525, which obsoletes RFC 6125): a host name or IP address against
// the subjectAltName entries of a certificate. The subject Common Name is never consulted.
import type { Certificate } from './certificate.js';
import { equalBytes } from '../wire/bytes.js';
import { looksLikeIPAddress, parseIPAddress } from './ip-address.js';

/** RFC 1034 §3.5 / RFC 1123 §2.1: letters, digits and hyphens; no leading or trailing hyphen. */
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** RFC 1035 §2.3.4: at most 253 characters in text form (255 octets on the wire). */
const MAX_DNS_NAME_LENGTH = 253;

/** A host name in preferred syntax (already lower-case), without a trailing dot. */
export function isValidDnsName(name: string): boolean {
  if (name.length === 0 || name.length > MAX_DNS_NAME_LENGTH) return false;
  return name.split('.').every((label) => LABEL.test(label));
}

/**
 * A dNSName as a certificate may present it: a host name, or "*." followed by one of at least two
 * labels. Returns the base (after "*.") and whether it is a wildcard, or undefined when invalid.
 * RFC 9525 §6.3: the wildcard is the whole left-most label only, so "ba*.example.com",
 * "xn--*-x.example.com" and "foo.*.example.com" are not patterns; and "*.com" (a single label
 * after the wildcard, CABF BR §3.2.2.6) or a lone "*" never match.
 */
export function readPresentedDnsName(presented: string): { base: string; wildcard: boolean } | undefined {
  const name = presented.toLowerCase();
  if (name.startsWith('*.')) {
    const base = name.slice(2);
    if (!isValidDnsName(base) || !base.includes('.')) return undefined;
    return { base, wildcard: true };
  }
  return isValidDnsName(name) ? { base: name, wildcard: false } : undefined;
}

/**
 * A name a resolver would read as an IPv4 address rather than look up: the WHATWG URL host parser's
 * "ends in a number" (last label all digits, or 0x and hex digits), or any inet_aton spelling
 * (1-4 parts, decimal, octal, hex: "127.1", "0177.0.0.1", "0x7f000001"). No top-level domain is
 * numeric (RFC 3696 §2), so such a name is never a DNS name.
 */
function readsAsIPv4(name: string): boolean {
  const last = name.slice(name.lastIndexOf('.') + 1);
  return /^([0-9]+|0x[0-9a-f]*)$/.test(last) || looksLikeIPAddress(name);
}

/** The reference identifier as we compare it: lower-case, one trailing dot removed; undefined if invalid. */
function normalizeReferenceHostname(name: string): string | undefined {
  // ASCII case folding only (RFC 9525 §6.3): IDNs must be given as A-labels, compared as given.
  const lower = name.replace(/[A-Z]/g, (c) => c.toLowerCase());
  const trimmed = lower.endsWith('.') ? lower.slice(0, -1) : lower; // an absolute name, same host
  // RFC 9525 §6.2.1 / RFC 6125 §6.4.4: an IP address is an IP-ID, never a DNS-ID. The client
  // connects to the address a resolver makes of the name, so a non-canonical IPv4 spelling must
  // not match dNSName entries ("*.0.0.1" for "0177.0.0.1"); canonical literals took the iPAddress
  // path in verifyHostname() already, so these match nothing.
  if (readsAsIPv4(trimmed)) return undefined;
  return isValidDnsName(trimmed) ? trimmed : undefined;
}

/** Whether a presented dNSName matches the (normalized) reference host name. */
function dnsNameMatches(presented: string, reference: string): boolean {
  const p = readPresentedDnsName(presented);
  if (!p) return false;
  if (!p.wildcard) return p.base === reference;
  // RFC 9525 §6.3: "*" stands for exactly one whole label.
  const dot = reference.indexOf('.');
  return dot > 0 && reference.slice(dot + 1) === p.base;
}

/**
 * Whether the certificate is valid for `name`: a DNS host name (A-labels for IDNs) or an IPv4/IPv6
 * literal. RFC 9525 §6: only subjectAltName counts; IP literals compare as bytes with iPAddress.
 */
export function verifyHostname(cert: Certificate, name: string): boolean {
  const sans = cert.extensions.subjectAltName ?? [];
  const ip = parseIPAddress(name);
  if (ip) return sans.some((n) => n.kind === 'ip' && equalBytes(n.bytes, ip));
  const reference = normalizeReferenceHostname(name);
  if (reference === undefined) return false;
  return sans.some((n) => n.kind === 'dns' && dnsNameMatches(n.value, reference));
}

/** Splits a mailbox into local part and lower-cased domain; undefined unless exactly one "@". */
export function splitMailbox(address: string): { local: string; domain: string } | undefined {
  const at = address.indexOf('@');
  if (at <= 0 || address.indexOf('@', at + 1) !== -1) return undefined;
  const domain = address.slice(at + 1).toLowerCase();
  if (!isValidDnsName(domain)) return undefined;
  return { local: address.slice(0, at), domain };
}

/** RFC 5280 §4.2.1.6 / RFC 8398: an email address against rfc822Name entries (local part exact). */
export function verifyEmailAddress(cert: Certificate, address: string): boolean {
  const wanted = splitMailbox(address);
  if (!wanted) return false;
  return (cert.extensions.subjectAltName ?? []).some((n) => {
    if (n.kind !== 'rfc822') return false;
    const got = splitMailbox(n.value);
    return got !== undefined && got.local === wanted.local && got.domain === wanted.domain;
  });
}

/** Whether a dNSName as presented (text, e.g. from node's subjectaltname string) matches a host name. */
export function presentedDnsNameMatches(presented: string, name: string): boolean {
  const reference = normalizeReferenceHostname(name);
  return reference !== undefined && dnsNameMatches(presented, reference);
}
