// The fields node:tls's getPeerCertificate() derives from certificate extensions, read through
// node:crypto's X509Certificate the way node builds them: ext_key_usage (RFC 5280 §4.2.1.12) as
// an array of OIDs, infoAccess (RFC 5280 §4.2.2.1) as arrays of locations by access method.
import type { X509Certificate } from 'node:crypto';

export interface ExtensionFields {
  /** The extended key usage OIDs, as node:tls; absent without the extension. */
  ext_key_usage?: string[];
  /** Authority information access, as node:tls: e.g. { 'OCSP - URI': [...], 'CA Issuers - URI': [...] }. */
  infoAccess?: Record<string, string[]>;
}

export function extensionFields(x: X509Certificate): ExtensionFields {
  const fields: ExtensionFields = {};
  const access = x.infoAccess;
  if (access !== undefined) fields.infoAccess = parseInfoAccess(access);
  const usage = x.keyUsage; // node:crypto's name for the extended key usage list
  if (usage !== undefined && usage.length > 0) fields.ext_key_usage = [...usage];
  return fields;
}

/**
 * X509Certificate#infoAccess is one "method - type:location" per line; a location with characters
 * that could be confused with the separators comes JSON-quoted. node:tls groups the locations by
 * "method - type" in an object without a prototype, in order.
 */
function parseInfoAccess(text: string): Record<string, string[]> {
  const out = Object.create(null) as Record<string, string[]>;
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const method = line.slice(0, colon);
    let location = line.slice(colon + 1);
    if (location.startsWith('"')) {
      try {
        location = JSON.parse(location) as string;
      } catch {
        // left as written
      }
    }
    (out[method] ??= []).push(location);
  }
  return out;
}

/**
 * A subject or issuer as node:tls's getPeerCertificate() gives it: attribute short names to values
 * in an object without a prototype, an attribute that occurs more than once as an array of its
 * values in order. Read from X509Certificate#subject (one RDN a line, a multi-valued RDN's parts
 * joined by " + ", RFC 4514-style backslash escapes and \XX for control bytes).
 */
export function distinguishedNameObject(text: string): Record<string, string | string[]> {
  const out = Object.create(null) as Record<string, string | string[]>;
  for (const line of text.split('\n')) {
    for (const part of line.split(/(?<!\\) \+ /)) {
      const eq = part.indexOf('=');
      if (eq <= 0) continue;
      const name = part.slice(0, eq);
      const value = part.slice(eq + 1).replace(/\\([0-9A-Fa-f]{2}|.)/g, (_, c: string) => (c.length === 2 ? String.fromCharCode(parseInt(c, 16)) : c));
      const seen = out[name];
      if (seen === undefined) out[name] = value;
      else if (Array.isArray(seen)) seen.push(value);
      else out[name] = [seen, value];
    }
  }
  return out;
}
