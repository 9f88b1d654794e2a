import { StringDecoder } from 'node:string_decoder';

/** What the tokenizer reports. Names without their namespace prefix (x:row → row). */
export interface XmlHandler {
  open(name: string, attrs: string, selfClosing: boolean): void;
  close(name: string): void;
  /** Text between tags, entities decoded. */
  text(text: string): void;
}

export class XmlUnreadable extends Error {}

/**
 * A push tokenizer for the SpreadsheetML parts: feed it bytes as they are inflated, it reports tags
 * and text and keeps only the unfinished token. No DTD, no entity but the five predefined and
 * character references (so no entity expansion). A token longer than `maxToken` characters (a cell
 * text a bomb made of one repeated byte, a tag with megabytes of attributes) is refused by `onTooLong`.
 */
export class XmlTokenizer {
  private readonly decoder = new StringDecoder('utf8');
  private rest = '';

  constructor(
    private readonly handler: XmlHandler,
    private readonly maxToken: number,
    private readonly onTooLong: () => Error,
  ) {}

  write(bytes: Buffer): void {
    this.feed(this.decoder.write(bytes));
  }

  end(): void {
    this.feed(this.decoder.end());
    if (this.rest.trim() !== '') throw new XmlUnreadable('the document ends inside a tag');
  }

  private feed(chunk: string): void {
    const s = this.rest === '' ? chunk : this.rest + chunk;
    const n = s.length;
    const h = this.handler;
    let i = 0;
    for (;;) {
      const lt = s.indexOf('<', i);
      if (lt === -1) break;
      if (lt > i) h.text(decodeEntities(s.slice(i, lt)));
      i = lt;
      const c = s.charCodeAt(lt + 1);
      let end: number;
      if (c === 0x21 /* ! */) {
        if (s.startsWith('<!--', lt)) {
          end = s.indexOf('-->', lt + 4);
          if (end === -1) break;
          i = end + 3;
          continue;
        }
        if (s.startsWith('<![CDATA[', lt)) {
          end = s.indexOf(']]>', lt + 9);
          if (end === -1) break;
          h.text(s.slice(lt + 9, end));
          i = end + 3;
          continue;
        }
        if (lt + 9 > n) break;
        throw new XmlUnreadable('a DTD or an unknown declaration');
      }
      if (c === 0x3f /* ? */) {
        end = s.indexOf('?>', lt + 2);
        if (end === -1) break;
        i = end + 2;
        continue;
      }
      end = tagEnd(s, lt + 1);
      if (end === -1) break;
      if (c === 0x2f /* / */) {
        h.close(localName(s.slice(lt + 2, end).trim()));
      } else {
        const selfClosing = s.charCodeAt(end - 1) === 0x2f;
        const body = s.slice(lt + 1, selfClosing ? end - 1 : end);
        const space = body.search(/\s/);
        const name = localName(space === -1 ? body : body.slice(0, space));
        const attrs = space === -1 ? '' : body.slice(space);
        h.open(name, attrs, selfClosing);
        if (selfClosing) h.close(name);
      }
      i = end + 1;
    }
    // Text after the last tag waits for the next '<' (an entity may be split across chunks).
    this.rest = i === 0 ? s : s.slice(i);
    if (this.rest.length > this.maxToken) throw this.onTooLong();
  }
}

/** The '>' closing a tag that starts at `from`, outside quoted attribute values; -1 if not yet seen. */
function tagEnd(s: string, from: number): number {
  let quote = 0;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (quote !== 0) {
      if (c === quote) quote = 0;
    } else if (c === 0x22 || c === 0x27) quote = c;
    else if (c === 0x3e) return i;
  }
  return -1;
}

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(colon + 1);
}

const ATTR_PATTERNS = new Map<string, RegExp>();

/** One attribute's value (decoded) from a tag's attribute text, or undefined. */
export function attr(attrs: string, name: string): string | undefined {
  if (attrs === '') return undefined;
  let re = ATTR_PATTERNS.get(name);
  if (!re) {
    re = new RegExp(`(?:^|\\s)(?:[\\w.-]+:)?${name.replace(/[.]/g, '\\.')}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`);
    ATTR_PATTERNS.set(name, re);
  }
  const m = re.exec(attrs);
  return m ? decodeEntities(m[1] ?? m[2]) : undefined;
}

/** An attribute with this exact (prefixed) name, e.g. r:id. */
export function prefixedAttr(attrs: string, qualified: string): string | undefined {
  const m = new RegExp(`(?:^|\\s)${qualified.replace(/[.:]/g, '\\$&')}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`).exec(attrs);
  return m ? decodeEntities(m[1] ?? m[2]) : undefined;
}

const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function decodeEntities(text: string): string {
  if (text.indexOf('&') === -1) return text;
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return code >= 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED[ref] ?? whole;
  });
}
