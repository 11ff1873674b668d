// Name constraints over a whole path (RFC 5280 §4.2.1.10 and §6.1.3(b)-(c), §6.1.4(g)). Rather
// than intersecting subtrees, every name below a constraining CA must satisfy each CA's
// constraints separately, which is equivalent and keeps each rule one comparison.
import { describeCertificate, type Certificate } from './certificate.js';
import type { GeneralSubtree, NameConstraints } from './extensions.js';
import type { GeneralName, GeneralNameKind } from './general-name.js';
import { describeGeneralName } from './general-name.js';
import { readPresentedDnsName, isValidDnsName, splitMailbox } from './hostname.js';
import { MAX_NAME_CONSTRAINT_CHECKS } from './limits.js';
import { isWithinDirectorySubtree, attributeValues } from './name.js';
import { AttributeOid } from '../asn1/oids.js';

/** Name forms whose constraints we evaluate; constraints on other forms fail closed if used. */
const evaluatedKinds: ReadonlySet<GeneralNameKind> = new Set(['dns', 'ip', 'rfc822', 'directory']);

/** RFC 5280 §4.2.1.10: `name` is within the DNS subtree `base` (equal, or has it as a label suffix). */
function dnsWithin(name: string, base: string): boolean {
  return base === '' || name === base || name.endsWith(`.${base}`);
}

class ConstraintError {
  constructor(readonly message: string) {}
}

/** A dNSName constraint: a host name, or empty for "every DNS name". No wildcards, no leading dot. */
function dnsBase(subtree: GeneralSubtree & { base: { kind: 'dns' } }): string {
  const base = subtree.base.value.toLowerCase();
  if (base !== '' && !isValidDnsName(base)) throw new ConstraintError(`name constraint dNSName "${subtree.base.value}" is not a valid host name`);
  return base;
}

/** An iPAddress constraint: address then mask, 8 or 32 bytes, the mask a CIDR prefix (RFC 5280 §4.2.1.10). */
function ipRange(bytes: Uint8Array): { address: Uint8Array; mask: Uint8Array } {
  if (bytes.length !== 8 && bytes.length !== 32) throw new ConstraintError(`name constraint iPAddress has ${bytes.length} bytes (expected 8 or 32)`);
  const half = bytes.length / 2;
  const address = bytes.subarray(0, half);
  const mask = bytes.subarray(half);
  let seenZero = false;
  for (let i = 0; i < half; i++) {
    for (let bit = 7; bit >= 0; bit--) {
      const set = (mask[i]! >> bit) & 1;
      if (set && seenZero) throw new ConstraintError('name constraint iPAddress mask is not a CIDR prefix');
      if (!set) seenZero = true;
    }
    if (address[i]! & ~mask[i]!) throw new ConstraintError('name constraint iPAddress has host bits set outside its mask');
  }
  return { address, mask };
}

/** Whether the name (one of ours) falls within the subtree; `excluded` selects "may any part of it". */
function matches(name: GeneralName, subtree: GeneralSubtree, excluded: boolean): boolean {
  const base = subtree.base;
  switch (name.kind) {
    case 'dns': {
      if (base.kind !== 'dns') return false;
      const c = dnsBase({ base });
      const presented = readPresentedDnsName(name.value);
      if (!presented) throw new ConstraintError(`dNSName "${name.value}" is not a valid host name and cannot be checked against name constraints`);
      if (!presented.wildcard) return dnsWithin(presented.base, c);
      // A wildcard stands for every name one label below its base: it is permitted when all of
      // them are (the base is in the subtree), excluded when any of them may be (the base is in
      // the subtree, or the subtree lies below the base).
      if (dnsWithin(presented.base, c)) return true;
      return excluded && c.endsWith(`.${presented.base}`);
    }
    case 'ip': {
      if (base.kind !== 'ip') return false;
      const { address, mask } = ipRange(base.bytes);
      if (address.length !== name.bytes.length) return false; // IPv4 and IPv6 never match each other
      for (let i = 0; i < address.length; i++) if ((name.bytes[i]! & mask[i]!) !== address[i]) return false;
      return true;
    }
    case 'rfc822': {
      if (base.kind !== 'rfc822') return false;
      const mailbox = splitMailbox(name.value);
      if (!mailbox) throw new ConstraintError(`rfc822Name "${name.value}" is not a valid address and cannot be checked against name constraints`);
      const c = base.value;
      if (c.includes('@')) {
        // A particular mailbox: local part exact (no wildcards), host case-insensitive.
        const wanted = splitMailbox(c);
        if (!wanted) throw new ConstraintError(`name constraint rfc822Name "${c}" is not a valid address`);
        return wanted.local === mailbox.local && wanted.domain === mailbox.domain;
      }
      const host = c.toLowerCase();
      if (host.startsWith('.')) {
        // Any host below the domain.
        if (!isValidDnsName(host.slice(1))) throw new ConstraintError(`name constraint rfc822Name "${c}" is not a valid domain`);
        return mailbox.domain.endsWith(host);
      }
      if (!isValidDnsName(host)) throw new ConstraintError(`name constraint rfc822Name "${c}" is not a valid host`);
      return mailbox.domain === host; // all mailboxes on exactly this host
    }
    case 'directory':
      return base.kind === 'directory' && isWithinDirectorySubtree(name.name, base.name);
    default:
      return false;
  }
}

/** The names of a certificate that name constraints apply to (RFC 5280 §4.2.1.10). */
function constrainedNames(cert: Certificate): GeneralName[] {
  const names: GeneralName[] = [...(cert.extensions.subjectAltName ?? [])];
  if (cert.subject.rdns.length > 0) names.push({ kind: 'directory', name: cert.subject });
  // RFC 5280 §4.2.1.10: emailAddress attributes of the subject are checked as rfc822Names.
  for (const email of attributeValues(cert.subject, AttributeOid.emailAddress)) names.push({ kind: 'rfc822', value: email });
  return names;
}

function subtreesOfKind(list: readonly GeneralSubtree[] | undefined, kind: GeneralNameKind): GeneralSubtree[] {
  return (list ?? []).filter((s) => s.base.kind === kind);
}

/** Work units of one name × one subtree: directory names cost one per RDN compared. */
function cost(name: GeneralName): number {
  return name.kind === 'directory' ? Math.max(1, name.name.rdns.length) : 1;
}

function checkOne(cert: Certificate, names: readonly GeneralName[], issuer: Certificate, nc: NameConstraints, budget: { left: number }): void {
  for (const name of names) {
    const permitted = subtreesOfKind(nc.permitted, name.kind);
    const excluded = subtreesOfKind(nc.excluded, name.kind);
    if (permitted.length + excluded.length === 0) continue;
    budget.left -= (permitted.length + excluded.length) * cost(name);
    if (budget.left < 0) throw new ConstraintError(`name constraints need more than ${MAX_NAME_CONSTRAINT_CHECKS} comparisons; refusing the path`);
    if (!evaluatedKinds.has(name.kind)) {
      throw new ConstraintError(
        `certificate ${describeCertificate(cert)} has a name of type ${name.kind}, which "${issuer.subject.text}" constrains; such constraints are not evaluated`,
      );
    }
    if (excluded.some((s) => matches(name, s, true))) {
      throw new ConstraintError(`name ${describeGeneralName(name)} is excluded by the name constraints of "${issuer.subject.text}"`);
    }
    if (permitted.length > 0 && !permitted.some((s) => matches(name, s, false))) {
      throw new ConstraintError(`name ${describeGeneralName(name)} is not permitted by the name constraints of "${issuer.subject.text}"`);
    }
  }
}

/**
 * Checks every name in the path against the constraints of each CA above it (anchor included).
 * Returns a violation message, or undefined when the path satisfies all constraints.
 * `path` is leaf first, anchor last.
 */
export function findNameConstraintViolation(path: readonly Certificate[]): string | undefined {
  const active: Certificate[] = [];
  const budget = { left: MAX_NAME_CONSTRAINT_CHECKS };
  try {
    for (let i = path.length - 1; i >= 0; i--) {
      const cert = path[i]!;
      const isAnchor = i === path.length - 1;
      // RFC 5280 §6.1.3(b): self-issued intermediates are exempt; the leaf never is.
      if (!isAnchor && active.length > 0 && !(cert.selfIssued && i > 0)) {
        const names = constrainedNames(cert);
        for (const issuer of active) checkOne(cert, names, issuer, issuer.extensions.nameConstraints!, budget);
      }
      if (i > 0 && cert.extensions.nameConstraints) active.push(cert);
    }
  } catch (err) {
    if (err instanceof ConstraintError) return err.message;
    throw err;
  }
  return undefined;
}
