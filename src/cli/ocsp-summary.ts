// A stapled OCSP response in words, for `tlskit client --status`: its status, and for each
// certificate status in it, good / revoked / unknown with the update times (RFC 6960 §4.2.1).
// Only read, not verified: tlskit does not check OCSP signatures, and says so.
import { contextTag, DerReader, Tag } from '../asn1/der.js';

const RESPONSE_STATUS = ['successful', 'malformedRequest', 'internalError', 'tryLater', '(4)', 'sigRequired', 'unauthorized'];
const ID_PKIX_OCSP_BASIC = '1.3.6.1.5.5.7.48.1.1';

export interface OcspSummary {
  readonly responseStatus: string;
  readonly certificates: { status: 'good' | 'revoked' | 'unknown'; thisUpdate: string; nextUpdate?: string; revokedAt?: string }[];
  readonly producedAt?: string;
}

export function summariseOcsp(der: Uint8Array): OcspSummary {
  const r = new DerReader(der, 'OCSP response').sequence('OCSPResponse');
  const code = r.smallInteger('responseStatus', Tag.ENUMERATED);
  const responseStatus = RESPONSE_STATUS[code] ?? `(${code})`;
  const bytes = r.optional(contextTag(0, true), 'responseBytes');
  if (!bytes) return { responseStatus, certificates: [] };
  const rb = bytes.sequence('ResponseBytes');
  if (rb.oid('responseType') !== ID_PKIX_OCSP_BASIC) return { responseStatus, certificates: [] };
  const basic = new DerReader(rb.value(Tag.OCTET_STRING, 'response'), 'OCSP response').sequence('BasicOCSPResponse');
  const data = basic.sequence('tbsResponseData');
  data.optional(contextTag(0, true), 'version');
  data.any('responderID');
  const producedAt = data.time('producedAt').toISOString();
  const responses = data.sequence('responses');
  const certificates: OcspSummary['certificates'] = [];
  while (responses.remaining > 0) {
    const single = responses.sequence('SingleResponse');
    single.sequence('certID');
    const status = single.any('certStatus');
    let revokedAt: string | undefined;
    if (status.tag === contextTag(1, true)) revokedAt = new DerReader(status.value, 'OCSP response').time('revocationTime').toISOString();
    const thisUpdate = single.time('thisUpdate').toISOString();
    const next = single.optional(contextTag(0, true), 'nextUpdate');
    certificates.push({
      status: status.tag === contextTag(0, false) ? 'good' : status.tag === contextTag(1, true) ? 'revoked' : 'unknown',
      thisUpdate,
      ...(next ? { nextUpdate: next.time('nextUpdate').toISOString() } : {}),
      ...(revokedAt ? { revokedAt } : {}),
    });
  }
  return { responseStatus, certificates, producedAt };
}
