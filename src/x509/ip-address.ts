// IP address literals ⇄ the 4- or 16-byte forms of an iPAddress GeneralName (RFC 5280 §4.2.1.6).

/** RFC 3986 §3.2.2 IPv4address: four decimal octets, no leading zeros. Undefined if not one. */
export function parseIPv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

/**
 * RFC 4291 §2.2 text forms: eight groups of 1-4 hex digits, one "::" for a run of zero groups, and
 * an optional dotted IPv4 tail. Zone identifiers (RFC 6874) are not addresses and are refused.
 */
export function parseIPv6(text: string): Uint8Array | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  // RFC 4291 §2.2 (3): the IPv4 part holds the low-order 32 bits, so only the last half may end in one.
  const groupsOf = (s: string, mayEndInIPv4: boolean): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    const parts = s.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (mayEndInIPv4 && i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIPv4(p);
        if (!v4) return undefined;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return undefined;
        out.push(parseInt(p, 16));
      }
    }
    return out;
  };
  const head = groupsOf(halves[0]!, halves.length === 1);
  const tail = halves.length === 2 ? groupsOf(halves[1]!, true) : [];
  if (!head || !tail) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return undefined; // "::" stands for at least one zero group
    groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  } else {
    groups = head;
  }
  if (groups.length !== 8) return undefined;
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/** An IPv4 or IPv6 literal (IPv6 optionally in brackets), or undefined for anything else. */
export function parseIPAddress(text: string): Uint8Array | undefined {
  if (text.startsWith('[') && text.endsWith(']')) return parseIPv6(text.slice(1, -1));
  return parseIPv4(text) ?? (text.includes(':') ? parseIPv6(text) : undefined);
}

/** Canonical text: dotted decimal for IPv4, RFC 5952 for IPv6; hex for other lengths. */
export function formatIPAddress(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  if (bytes.length !== 16) return `<${bytes.length} bytes: ${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}>`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  // RFC 5952 §4.2: compress the longest run (first on a tie) of two or more zero groups.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/**
 * Whether `text` reads as an IP address in any notation a resolver might accept (inet_aton forms
 * such as 0xC0A80101 or 192.168.001.001, or any IPv6 spelling). Used to spot IP-like names.
 */
export function looksLikeIPAddress(text: string): boolean {
  if (parseIPv6(text)) return true;
  const parts = text.split('.');
  if (parts.length < 1 || parts.length > 4) return false;
  return parts.every((p) => /^(0x[0-9a-fA-F]+|[0-9]+)$/.test(p));
}
