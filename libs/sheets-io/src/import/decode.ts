import * as iconv from 'iconv-lite';

export type TextEncodingName = 'utf-8' | 'utf-16le' | 'gb18030';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Text of a CSV as Chinese Excel saves it: UTF-8 with or without a BOM, UTF-16LE with a BOM
 * ("Unicode 文本"), or the local code page (GBK, read as its superset GB18030). Bytes that are valid
 * UTF-8 are UTF-8: GBK text of any length is almost never valid UTF-8 by accident.
 */
export function decodeText(bytes: Buffer): { text: string; encoding: TextEncodingName } {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return { text: bytes.subarray(3).toString('utf8'), encoding: 'utf-8' };
  }
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) {
    return { text: bytes.subarray(2).toString('utf16le'), encoding: 'utf-16le' };
  }
  try {
    return { text: strictUtf8.decode(bytes), encoding: 'utf-8' };
  } catch {
    return { text: iconv.decode(bytes, 'gb18030'), encoding: 'gb18030' };
  }
}

export type FileKind = 'xlsx' | 'xls' | 'csv';

/** By content, not by name: an .xlsx is a zip, a legacy .xls an OLE2 compound file. */
export function sniffFileKind(bytes: Buffer): FileKind {
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) return 'xlsx';
  if (bytes.length >= 8 && bytes.readUInt32BE(0) === 0xd0cf11e0 && bytes.readUInt32BE(4) === 0xa1b11ae1) return 'xls';
  return 'csv';
}
