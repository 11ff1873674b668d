// RFC 6066 §3: server_name. The client names the host it wants; a server that used it answers
// with an empty extension.
import { decodeError, illegalParameter } from '../../errors.js';
import { NameType } from '../../protocol/constants.js';
import { ascii, utf8 } from '../../wire/bytes.js';
import type { Reader } from '../../wire/reader.js';
import type { Writer } from '../../wire/writer.js';

// RFC 6066 §3: a DNS host name in ASCII (A-labels), no trailing dot, no IP literal.
const hostNamePattern = /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/i;
const ipv4Pattern = /^\d{1,3}(\.\d{1,3}){3}$/;

/** Whether `name` may be sent as SNI: a DNS name, not an IP literal (RFC 6066 §3). */
export function isValidSniHostName(name: string): boolean {
  return hostNamePattern.test(name) && !ipv4Pattern.test(name) && !name.includes(':');
}

// ServerNameList server_name_list<1..2^16-1>; ServerName = NameType name_type, HostName<1..2^16-1>.
export function readServerNameClient(r: Reader): string | undefined {
  const list = r.vector(2, 1, 0xffff, 'server_name_list');
  let hostName: string | undefined;
  while (list.remaining > 0) {
    const type = list.u8('name_type');
    const name = list.vectorBytes(2, 1, 0xffff, 'host_name');
    if (type !== NameType.host_name) continue; // unknown name types are ignored (RFC 6066 §3)
    // RFC 6066 §3: no more than one name of the same name_type.
    if (hostName !== undefined) throw illegalParameter('server_name lists two host names');
    const text = ascii(name);
    if (!isValidSniHostName(text)) throw decodeError('server_name host name is not a valid DNS name');
    hostName = text.toLowerCase();
  }
  return hostName;
}

export function writeServerNameClient(w: Writer, hostName: string): void {
  w.vector(2, (l) => l.u8(NameType.host_name).vectorBytes(2, utf8(hostName)));
}
