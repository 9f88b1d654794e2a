import { inflateRawSync } from 'node:zlib';

/** The media types an evidence file may have, each recognised by its bytes (never by its name or declared type). */
export const EVIDENCE_TYPES = {
  'image/jpeg': '图片（JPEG）',
  'image/png': '图片（PNG）',
  'image/gif': '图片（GIF）',
  'image/webp': '图片（WebP）',
  'image/heic': '图片（HEIC）',
  'image/heif': '图片（HEIF）',
  'application/pdf': 'PDF',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'Word（.docx）',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'Excel（.xlsx）',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': 'PowerPoint（.pptx）',
  'application/msword': 'Word（.doc）',
  'application/vnd.ms-excel': 'Excel（.xls）',
  'application/vnd.ms-powerpoint': 'PowerPoint（.ppt）',
} as const;
export type EvidenceType = keyof typeof EVIDENCE_TYPES;

/** Types a browser may show in the page itself; everything else is sent as an attachment. */
export const INLINE_EVIDENCE_TYPES: ReadonlySet<EvidenceType> = new Set([
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/webp',
  'image/heic',
  'image/heif',
  'application/pdf',
]);

const HEIC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis']);
const HEIF_BRANDS = new Set(['mif1', 'msf1']);

/**
 * The evidence type of a file from its content, or null when it is none of the allowed ones. An
 * Office file is judged by what it holds: an OOXML zip by the main part its [Content_Types].xml
 * declares (a macro-enabled .docm/.xlsm declares another, and is refused), an OLE compound file by
 * its Word, Excel or PowerPoint stream (an .msi installer is OLE too, and is refused).
 */
export function sniffEvidenceType(bytes: Buffer): EvidenceType | null {
  const starts = (sig: number[] | string, at = 0) => {
    const b = typeof sig === 'string' ? Buffer.from(sig, 'latin1') : Buffer.from(sig);
    return bytes.length >= at + b.length && bytes.subarray(at, at + b.length).equals(b);
  };
  if (starts([0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (starts('GIF87a') || starts('GIF89a')) return 'image/gif';
  if (starts('RIFF') && starts('WEBP', 8)) return 'image/webp';
  if (starts('ftyp', 4)) {
    const brand = bytes.subarray(8, 12).toString('latin1');
    if (HEIC_BRANDS.has(brand)) return 'image/heic';
    if (HEIF_BRANDS.has(brand)) return 'image/heif';
    return null;
  }
  // PDF readers accept the header anywhere in the first 1,024 bytes, and some producers put bytes before it.
  if (bytes.subarray(0, 1024).includes(Buffer.from('%PDF-', 'latin1'))) return 'application/pdf';
  if (starts([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) return oleType(bytes);
  if (starts('PK\x03\x04')) return ooxmlType(bytes);
  return null;
}

/** An OLE compound file's directory names its streams in UTF-16LE. */
function oleType(bytes: Buffer): EvidenceType | null {
  const has = (name: string) => bytes.includes(Buffer.from(name, 'utf16le'));
  if (has('WordDocument')) return 'application/msword';
  if (has('Workbook')) return 'application/vnd.ms-excel';
  if (has('PowerPoint Document')) return 'application/vnd.ms-powerpoint';
  return null;
}

const OOXML_MAIN: Array<[string, EvidenceType]> = [
  [
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml',
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  ],
  ['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
  [
    'application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml',
    'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  ],
];
/** [Content_Types].xml is a few KB; a larger one is no Office document we accept. */
const MAX_CONTENT_TYPES_BYTES = 1024 * 1024;

function ooxmlType(bytes: Buffer): EvidenceType | null {
  const xml = zipEntry(bytes, '[Content_Types].xml', MAX_CONTENT_TYPES_BYTES);
  if (xml === null) return null;
  const text = xml.toString('utf8');
  const found = OOXML_MAIN.filter(([ct]) => text.includes(`"${ct}"`));
  return found.length === 1 ? found[0][1] : null;
}

/** One entry of a zip, read through its central directory; null when absent, unreadable or too large. */
function zipEntry(zip: Buffer, name: string, maxBytes: number): Buffer | null {
  // End of central directory: 22 bytes plus a comment of at most 65,535.
  const from = Math.max(0, zip.length - 22 - 0xffff);
  let eocd = -1;
  for (let i = zip.length - 22; i >= from; i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return null;
  const entries = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  for (let n = 0; n < entries; n++) {
    if (at + 46 > zip.length || zip.readUInt32LE(at) !== 0x02014b50) return null;
    const method = zip.readUInt16LE(at + 10);
    const compressed = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const entryName = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    at += 46 + nameLength + extraLength + commentLength;
    if (entryName !== name) continue;
    if (size > maxBytes || local + 30 > zip.length || zip.readUInt32LE(local) !== 0x04034b50) return null;
    const dataAt = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(dataAt, dataAt + compressed);
    if (data.length !== compressed) return null;
    try {
      if (method === 0) return data;
      if (method === 8) return inflateRawSync(data, { maxOutputLength: maxBytes });
    } catch {
      return null;
    }
    return null;
  }
  return null;
}
