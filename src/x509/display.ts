// Text from a certificate (IA5String names, attribute values) shown in messages and on terminals:
// the peer chose it, and control characters in it (ESC, BEL, C1 controls) would reach whatever
// prints the message. They are shown as \xNN instead; the rest is kept.

/** `text` with C0 and C1 control characters and DEL written as \xNN (a backslash too, as \\). */
export function printableText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\\\x00-\x1f\x7f-\x9f]/g, (c) => (c === '\\' ? '\\\\' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}
