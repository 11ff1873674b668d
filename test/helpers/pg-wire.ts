// A minimal PostgreSQL frontend (protocol 3.0, PostgreSQL docs §55) over any byte stream pair, for
// tests in every runtime (Node, Workers, Deno, Bun): StartupMessage, SCRAM-SHA-256 and
// SCRAM-SHA-256-PLUS (RFC 5802, RFC 7677; channel binding from the TLS stream's
// getChannelBinding), certificate authentication (nothing to send), one simple Query. No Node
// built-ins: WebCrypto (PBKDF2, HMAC, SHA-256) and Web Streams only. A test client, not a driver.

export interface PgWireOptions {
  readonly user: string;
  readonly password?: string;
  readonly database?: string;
  /** As libpq's channel_binding: 'require' fails unless SCRAM-SHA-256-PLUS was used. Default 'prefer'. */
  readonly channelBinding?: 'require' | 'prefer' | 'disable';
  /** The TLS stream's channel binding (tls-server-end-point is what PostgreSQL offers). */
  readonly getChannelBinding?: (type: 'tls-server-end-point') => Uint8Array;
  /** Replaces the binding data sent (tests: a wrong binding must be refused by the server). */
  readonly tamperBinding?: (data: Uint8Array) => Uint8Array;
}

export interface PgWireResult {
  /** 'SCRAM-SHA-256-PLUS', 'SCRAM-SHA-256', or 'trust/cert' when the server asked for nothing. */
  readonly mechanism: string;
  /** The query's rows, every column as text (null for NULL). */
  readonly rows: (string | null)[][];
}

export class PgServerError extends Error {
  constructor(readonly fields: Record<string, string>) {
    super(`PostgreSQL: ${fields['S'] ?? 'ERROR'} ${fields['C'] ?? ''}: ${fields['M'] ?? 'error'}`);
    this.name = 'PgServerError';
  }
}

const text = new TextEncoder();
const decoder = new TextDecoder();

function message(type: string | undefined, body: Uint8Array): Uint8Array {
  const head = type === undefined ? 0 : 1;
  const out = new Uint8Array(head + 4 + body.length);
  if (type !== undefined) out[0] = type.charCodeAt(0);
  new DataView(out.buffer).setUint32(head, 4 + body.length);
  out.set(body, head + 4);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const cstring = (s: string): Uint8Array => concat(text.encode(s), Uint8Array.of(0));
const u32 = (n: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n);
  return b;
};
const b64 = (b: Uint8Array): string => btoa(String.fromCharCode(...b));
const unb64 = (s: string): Uint8Array => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

/** Reads whole backend messages from a stream. */
class MessageReader {
  private buffer: Uint8Array = new Uint8Array(0);
  constructor(private readonly reader: ReadableStreamDefaultReader<Uint8Array>) {}

  async next(): Promise<{ type: string; body: Uint8Array }> {
    for (;;) {
      if (this.buffer.length >= 5) {
        const length = new DataView(this.buffer.buffer, this.buffer.byteOffset).getUint32(1);
        if (this.buffer.length >= 1 + length) {
          const type = String.fromCharCode(this.buffer[0]!);
          const body = this.buffer.slice(5, 1 + length);
          this.buffer = this.buffer.slice(1 + length);
          return { type, body };
        }
      }
      const { value, done } = await this.reader.read();
      if (done) throw new Error('PostgreSQL closed the connection');
      this.buffer = concat(this.buffer, value);
    }
  }
}

function errorFields(body: Uint8Array): Record<string, string> {
  const fields: Record<string, string> = {};
  let at = 0;
  while (at < body.length && body[at] !== 0) {
    const code = String.fromCharCode(body[at]!);
    const end = body.indexOf(0, at + 1);
    fields[code] = decoder.decode(body.subarray(at + 1, end));
    at = end + 1;
  }
  return fields;
}

async function hmac(key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey('raw', key as Uint8Array<ArrayBuffer>, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await crypto.subtle.sign('HMAC', k, data as Uint8Array<ArrayBuffer>));
}

async function scramKeys(
  password: string,
  salt: Uint8Array,
  iterations: number,
): Promise<{ clientKey: Uint8Array; storedKey: Uint8Array; serverKey: Uint8Array }> {
  // RFC 5802 §3: SaltedPassword := Hi(Normalize(password), salt, i), Hi being PBKDF2 with HMAC.
  const base = await crypto.subtle.importKey('raw', text.encode(password) as Uint8Array<ArrayBuffer>, 'PBKDF2', false, ['deriveBits']);
  const salted = new Uint8Array(
    await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: salt as Uint8Array<ArrayBuffer>, iterations }, base, 256),
  );
  const clientKey = await hmac(salted, text.encode('Client Key'));
  const storedKey = new Uint8Array(await crypto.subtle.digest('SHA-256', clientKey as Uint8Array<ArrayBuffer>));
  const serverKey = await hmac(salted, text.encode('Server Key'));
  return { clientKey, storedKey, serverKey };
}

/** Connects (StartupMessage), authenticates and runs `sql` (simple query); closes with Terminate. */
export async function pgWireQuery(
  stream: { readable: ReadableStream<Uint8Array>; writable: WritableStream<Uint8Array> },
  options: PgWireOptions,
  sql: string,
): Promise<PgWireResult> {
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader();
  const input = new MessageReader(reader);
  const policy = options.channelBinding ?? 'prefer';
  let mechanism = 'trust/cert';
  try {
    await writer.write(
      message(
        undefined,
        concat(u32(196608), cstring('user'), cstring(options.user), cstring('database'), cstring(options.database ?? 'postgres'), Uint8Array.of(0)),
      ),
    );
    let scram: { nonce: string; bare: string; gs2: string; serverSignature?: Uint8Array } | undefined;
    for (;;) {
      const m = await input.next();
      if (m.type === 'E') throw new PgServerError(errorFields(m.body));
      if (m.type !== 'R') throw new Error(`unexpected message '${m.type}' during authentication`);
      const code = new DataView(m.body.buffer, m.body.byteOffset).getUint32(0);
      if (code === 0) break; // AuthenticationOk
      if (code === 10) {
        // AuthenticationSASL: the mechanisms, each NUL-terminated.
        const offered = decoder.decode(m.body.subarray(4)).split('\0').filter(Boolean);
        const plus = policy !== 'disable' && offered.includes('SCRAM-SHA-256-PLUS') && options.getChannelBinding !== undefined;
        if (policy === 'require' && !plus) throw new Error(`channel binding required, but the server offered ${offered.join(', ')}`);
        mechanism = plus ? 'SCRAM-SHA-256-PLUS' : 'SCRAM-SHA-256';
        // RFC 5802 §7: gs2-header; 'y' says we could bind but the server did not offer it.
        const gs2 = plus ? 'p=tls-server-end-point,,' : options.getChannelBinding ? 'y,,' : 'n,,';
        const nonce = b64(crypto.getRandomValues(new Uint8Array(18)));
        const bare = `n=,r=${nonce}`;
        scram = { nonce, bare, gs2 };
        const first = text.encode(gs2 + bare);
        await writer.write(message('p', concat(cstring(mechanism), u32(first.length), first)));
        continue;
      }
      if (code === 11 && scram) {
        // AuthenticationSASLContinue: server-first-message r=,s=,i=.
        const serverFirst = decoder.decode(m.body.subarray(4));
        const attrs = Object.fromEntries(serverFirst.split(',').map((kv) => [kv[0], kv.slice(2)]));
        if (!attrs['r']?.startsWith(scram.nonce)) throw new Error('SCRAM: the server nonce does not extend ours');
        let binding: Uint8Array = text.encode(scram.gs2);
        if (mechanism === 'SCRAM-SHA-256-PLUS') {
          const data = options.getChannelBinding!('tls-server-end-point');
          binding = concat(binding, options.tamperBinding ? options.tamperBinding(data) : data);
        }
        const withoutProof = `c=${b64(binding)},r=${attrs['r']}`;
        const keys = await scramKeys(options.password ?? '', unb64(attrs['s']!), Number(attrs['i']));
        const authMessage = text.encode(`${scram.bare},${serverFirst},${withoutProof}`);
        const signature = await hmac(keys.storedKey, authMessage);
        const proof = keys.clientKey.map((b, i) => b ^ signature[i]!);
        scram.serverSignature = await hmac(keys.serverKey, authMessage);
        await writer.write(message('p', text.encode(`${withoutProof},p=${b64(proof)}`)));
        continue;
      }
      if (code === 12 && scram?.serverSignature) {
        // AuthenticationSASLFinal: v=ServerSignature proves the server knows the verifier.
        const v = decoder.decode(m.body.subarray(4));
        if (v !== `v=${b64(scram.serverSignature)}`) throw new Error('SCRAM: the server signature does not verify');
        continue;
      }
      throw new Error(`unsupported authentication request ${code}`);
    }
    if (policy === 'require' && mechanism !== 'SCRAM-SHA-256-PLUS') throw new Error('channel binding required, but the server authenticated without SCRAM');
    // ParameterStatus, BackendKeyData ... up to ReadyForQuery.
    for (let m = await input.next(); m.type !== 'Z'; m = await input.next()) {
      if (m.type === 'E') throw new PgServerError(errorFields(m.body));
    }
    await writer.write(message('Q', cstring(sql)));
    const rows: (string | null)[][] = [];
    let failure: PgServerError | undefined;
    for (let m = await input.next(); m.type !== 'Z'; m = await input.next()) {
      if (m.type === 'E') failure = new PgServerError(errorFields(m.body));
      if (m.type === 'D') {
        const view = new DataView(m.body.buffer, m.body.byteOffset, m.body.byteLength);
        const columns = view.getUint16(0);
        const row: (string | null)[] = [];
        let at = 2;
        for (let i = 0; i < columns; i++) {
          const length = view.getInt32(at);
          at += 4;
          if (length < 0) row.push(null);
          else {
            row.push(decoder.decode(m.body.subarray(at, at + length)));
            at += length;
          }
        }
        rows.push(row);
      }
    }
    if (failure) throw failure;
    await writer.write(message('X', new Uint8Array(0))).catch(() => undefined);
    return { mechanism, rows };
  } finally {
    reader.releaseLock();
    writer.releaseLock();
  }
}
