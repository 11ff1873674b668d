// XMPP (RFC 6120 §5.4): open a stream to the domain, read the stream features, which must offer
// <starttls/> in the TLS namespace, send <starttls/>, and start TLS on <proceed/>. Only as much
// XML as that needs is read: tags, their attributes and nesting, text inside <text/> of errors.
import { StartTlsError, quote, type Conversation, type Step } from './conversation.js';

const TLS_NS = 'urn:ietf:params:xml:ns:xmpp-tls';

interface Tag {
  /** Local name, without a prefix. */
  readonly name: string;
  readonly kind: 'open' | 'close' | 'empty';
  readonly attributes: ReadonlyMap<string, string>;
  readonly start: number;
  readonly end: number;
}

/** XML attribute values, escaped for single quotes. */
const escapeAttribute = (value: string): string => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/'/g, '&apos;').replace(/"/g, '&quot;');

/**
 * The next tag at or after `at`, skipping character data and the XML declaration; undefined until
 * it is complete. RFC 6120 §11.1 forbids comments, processing instructions other than the
 * declaration, and DTDs in a stream: refused.
 */
function nextTag(text: string, at: number): Tag | undefined {
  for (;;) {
    const open = text.indexOf('<', at);
    if (open < 0) return undefined;
    if (text.startsWith('<?', open)) {
      const close = text.indexOf('?>', open);
      if (close < 0) return undefined;
      if (!/^<\?xml\s/.test(text.slice(open, close + 2))) throw new StartTlsError('the XMPP server sent a processing instruction, which XMPP forbids');
      at = close + 2;
      continue;
    }
    if (text.startsWith('<!', open)) throw new StartTlsError('the XMPP server sent a comment or DTD, which XMPP forbids');
    // The tag ends at the first '>' outside quotes.
    let quoteChar = '';
    let i = open + 1;
    for (; i < text.length; i++) {
      const c = text[i]!;
      if (quoteChar) {
        if (c === quoteChar) quoteChar = '';
      } else if (c === '"' || c === "'") quoteChar = c;
      else if (c === '>') break;
    }
    if (i >= text.length) return undefined;
    const body = text.slice(open + 1, i);
    const m = /^(\/?)([^\s/>]+)([\s\S]*?)(\/?)$/.exec(body);
    if (!m) throw new StartTlsError(`the XMPP server sent a malformed tag: ${quote(`<${body}>`, 80)}`);
    const attributes = new Map<string, string>();
    for (const a of m[3]!.matchAll(/([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) attributes.set(a[1]!, a[2] ?? a[3]!);
    const name = m[2]!.slice(m[2]!.indexOf(':') + 1);
    return { name, kind: m[1] ? 'close' : m[4] ? 'empty' : 'open', attributes, start: open, end: i + 1 };
  }
}

/** One whole child element of the stream (its tags, nesting checked), or the stream's end tag. */
function readElement(text: string): { tags: Tag[]; end: number; inner: (tag: Tag) => string } | undefined {
  const tags: Tag[] = [];
  let depth = 0;
  for (let at = 0; ; ) {
    const tag = nextTag(text, at);
    if (!tag) return undefined;
    tags.push(tag);
    at = tag.end;
    if (tag.kind === 'open') depth++;
    else if (tag.kind === 'close') depth--;
    if (depth <= 0) {
      return {
        tags,
        end: at,
        // The character data right after an opening tag (for <text/> in errors).
        inner: (t) => text.slice(t.end, Math.max(t.end, text.indexOf('<', t.end))),
      };
    }
  }
}

/** RFC 6120 §4.9: a stream error's condition (the child element's name) and text. */
function describeStreamError(element: NonNullable<ReturnType<typeof readElement>>): string {
  const children = element.tags.slice(1).filter((t) => t.kind !== 'close');
  const condition = children.find((t) => t.name !== 'text')?.name ?? 'unknown';
  const text = children.find((t) => t.name === 'text');
  return `${condition}${text ? `: ${quote(element.inner(text).trim())}` : ''}`;
}

export function xmpp(domain: string): Conversation {
  let stage: 'header' | 'features' | 'proceed' = 'header';
  const header = `<?xml version='1.0'?><stream:stream to='${escapeAttribute(domain)}' version='1.0' xml:lang='en' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>`;
  return {
    start: () => ({ bytes: header, text: header }),
    next(buffered): Step {
      const text = buffered.toString('latin1');
      if (stage === 'header') {
        const tag = nextTag(text, 0);
        if (!tag) {
          if (text.length > 0 && !/^\s*</.test(text)) throw new StartTlsError(`the server's answer is not XMPP: ${quote(text.split('\n')[0]!, 80)}`);
          return { kind: 'need-more' };
        }
        if (tag.name !== 'stream' || tag.kind !== 'open')
          throw new StartTlsError(`the server's answer is not an XMPP stream header: ${quote(text.slice(tag.start, tag.end), 80)}`);
        stage = 'features';
        return { kind: 'read', consumed: tag.end, received: [text.slice(0, tag.end).trim()] };
      }
      const element = readElement(text);
      if (!element) return { kind: 'need-more' };
      const first = element.tags[0]!;
      const received = [text.slice(first.start, element.end)];
      if (first.kind === 'close') throw new StartTlsError('the XMPP server closed the stream before agreeing to start TLS');
      if (first.name === 'error') throw new StartTlsError(`the XMPP server ended the stream with the error ${describeStreamError(element)}`);
      if (stage === 'features') {
        if (first.name !== 'features') throw new StartTlsError(`the XMPP server sent ${quote(`<${first.name}>`)} where its stream features belong`);
        const offer = element.tags.find((t) => t.name === 'starttls' && t.kind !== 'close' && t.attributes.get('xmlns') === TLS_NS);
        if (!offer) throw new StartTlsError('the XMPP server does not offer STARTTLS in its stream features');
        stage = 'proceed';
        const request = `<starttls xmlns='${TLS_NS}'/>`;
        return { kind: 'send', consumed: element.end, received, bytes: request, text: request };
      }
      // RFC 6120 §5.4.2.2-3: <proceed/> goes ahead, <failure/> refuses (and the stream closes).
      if (first.name === 'proceed' && first.attributes.get('xmlns') === TLS_NS) return { kind: 'done', consumed: element.end, received };
      if (first.name === 'failure') throw new StartTlsError(`the XMPP server refused STARTTLS: ${quote(received[0]!)}`);
      throw new StartTlsError(`the XMPP server answered STARTTLS with ${quote(received[0]!)}, not <proceed/>`);
    },
  };
}
