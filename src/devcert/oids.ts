// The object identifiers the development CA writes are the X.509 module's: one table each, there.
export {
  AlgorithmOid,
  ExtendedKeyUsageOid,
  ExtensionOid,
  NameAttributeOid,
  type ExtendedKeyUsageName,
  type NameAttributeType,
} from '../asn1/oids.js';
export { KeyUsageBit, type KeyUsageName } from '../x509/extensions.js';

/** A dotted object identifier written as a string, e.g. '1.3.6.1.4.1.99999.1'. */
export type DottedOid = `${number}.${number}${string}`;
