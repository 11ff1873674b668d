// Colour for people, plain text for pipes: styles apply only when the stream is a terminal
// (and NO_COLOR is not set).

export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  green(s: string): string;
  red(s: string): string;
  cyan(s: string): string;
  yellow(s: string): string;
}

const wrap =
  (open: number, close: number) =>
  (s: string): string =>
    `\u001b[${open}m${s}\u001b[${close}m`;

const colours: Style = {
  bold: wrap(1, 22),
  dim: wrap(2, 22),
  green: wrap(32, 39),
  red: wrap(31, 39),
  cyan: wrap(36, 39),
  yellow: wrap(33, 39),
};
const plain: Style = { bold: (s) => s, dim: (s) => s, green: (s) => s, red: (s) => s, cyan: (s) => s, yellow: (s) => s };

export function styleFor(stream: NodeJS.WritableStream): Style {
  const tty = (stream as { isTTY?: boolean }).isTTY === true;
  return tty && !process.env['NO_COLOR'] ? colours : plain;
}
