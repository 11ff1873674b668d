// Server#addContext(hostname, context): certificates by server name, as node:tls's default
// SNICallback picks them. A '*' stands for any run of characters within one label
// ('*.example.com' matches 'a.example.com', not 'example.com' nor 'a.b.example.com'); names
// compare case-insensitively (DNS names, RFC 4343; as Node 24, where Node 20 compared exactly);
// the context added last wins among those that match.
import type { CertifiedKey } from '../handshake/config.js';

export class SniContexts {
  private readonly entries: { readonly pattern: RegExp; readonly certificates: readonly CertifiedKey[] }[] = [];

  add(hostname: string, certificates: readonly CertifiedKey[]): void {
    const escaped = hostname.replace(/[.^$+?()|\-\\[\]{}]/g, '\\$&').replace(/\*/g, '[^.]*');
    this.entries.push({ pattern: new RegExp(`^${escaped}$`, 'i'), certificates });
  }

  get size(): number {
    return this.entries.length;
  }

  /** The certificates of the last context added whose name matches, if any. */
  match(serverName: string): readonly CertifiedKey[] | undefined {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      if (this.entries[i]!.pattern.test(serverName)) return this.entries[i]!.certificates;
    }
    return undefined;
  }
}
