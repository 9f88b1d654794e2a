/**
 * Checks on what a request carries before any handler sees it: how it is encoded, how deep its JSON
 * nests, and whether its text is well-formed Unicode. Each refusal is a 4xx problem, never a crash.
 */

/** Deeper than any command body (they nest 3 levels); deep nesting only ever recurses a validator off its stack. */
export const MAX_JSON_DEPTH = 32;

/** The error body-parser's `verify` throws: body-parser keeps its status and type. */
export class BodyRefusedError extends Error {
  readonly expose = true;
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;

/**
 * Whether JSON text (UTF-8 bytes) nests deeper than `max` arrays and objects, counted without parsing
 * (so without recursing): brackets inside strings are skipped. Malformed text is left to JSON.parse.
 */
export function jsonNestsDeeperThan(bytes: Uint8Array, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) inString = true;
    else if (b === OPEN_BRACKET || b === OPEN_BRACE) {
      if (++depth > max) return true;
    } else if (b === CLOSE_BRACKET || b === CLOSE_BRACE) depth--;
  }
  return false;
}

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Whether a string holds a lone surrogate: no UTF-8 view, export or database can keep it exactly. */
export function hasLoneSurrogate(s: string): boolean {
  return LONE_SURROGATE.test(s);
}

/**
 * The path (e.g. `evidence.0.name`, or `<key>` for a key) of the first string in a parsed JSON value
 * that holds a lone surrogate, or null. Iterative: the depth is bounded already, but no recursion is cheaper still.
 */
export function findLoneSurrogate(value: unknown): string | null {
  const stack: Array<[unknown, string]> = [[value, '']];
  while (stack.length) {
    const [v, at] = stack.pop()!;
    if (typeof v === 'string') {
      if (hasLoneSurrogate(v)) return at || '(body)';
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => stack.push([x, at ? `${at}.${i}` : String(i)]));
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (hasLoneSurrogate(k)) return at ? `${at}.<key>` : '<key>';
        stack.push([x, at ? `${at}.${k}` : k]);
      }
    }
  }
  return null;
}

/** `Content-Encoding` other than identity (or none): the API takes bodies unencoded. */
export function unsupportedContentEncoding(header: string | string[] | undefined): string | null {
  if (header === undefined) return null;
  const codings = (Array.isArray(header) ? header.join(',') : header)
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
  return codings.length ? codings.join(', ') : null;
}
