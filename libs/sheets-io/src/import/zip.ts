import { createInflateRaw } from 'node:zlib';
import { Budget, RATIO_FLOOR_BYTES, SheetLimits, limitError } from './limits';

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  /** As the central directory declares it: checked against the limits before anything is inflated. */
  size: number;
  localHeaderOffset: number;
}

/** The zip is not one we can read (not a limit: a damaged or exotic file). */
export class ZipUnreadable extends Error {}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/**
 * The central directory of an .xlsx, walked by hand so that every entry's declared size and ratio are
 * judged before a byte is inflated (exceljs inflates everything first). Zip64 is refused: a file
 * that fits the 10 MB upload and the limits never needs it.
 */
export function readZipDirectory(zip: Buffer, limits: SheetLimits): Map<string, ZipEntry> {
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd === -1) throw new ZipUnreadable('no end of central directory');
  const count = zip.readUInt16LE(eocd + 10);
  const cdSize = zip.readUInt32LE(eocd + 12);
  const cdOffset = zip.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdOffset === 0xffffffff) throw new ZipUnreadable('zip64');
  if (count > limits.archiveEntries) throw limitError('archiveEntries', limits.archiveEntries);
  if (cdOffset + cdSize > eocd) throw new ZipUnreadable('central directory out of bounds');

  const entries = new Map<string, ZipEntry>();
  let total = 0;
  let p = cdOffset;
  for (let n = 0; n < count; n++) {
    if (p + 46 > eocd || zip.readUInt32LE(p) !== CENTRAL) throw new ZipUnreadable('bad central directory entry');
    const flags = zip.readUInt16LE(p + 8);
    const method = zip.readUInt16LE(p + 10);
    const compressedSize = zip.readUInt32LE(p + 20);
    const size = zip.readUInt32LE(p + 24);
    const nameLength = zip.readUInt16LE(p + 28);
    const extraLength = zip.readUInt16LE(p + 30);
    const commentLength = zip.readUInt16LE(p + 32);
    const localHeaderOffset = zip.readUInt32LE(p + 42);
    const name = zip.toString('utf8', p + 46, p + 46 + nameLength);
    p += 46 + nameLength + extraLength + commentLength;
    if (flags & 1) throw new ZipUnreadable('encrypted entry');
    if (size === 0xffffffff || compressedSize === 0xffffffff) throw limitError('entryBytes', limits.entryBytes);
    if (size > limits.entryBytes) throw limitError('entryBytes', limits.entryBytes);
    total += size;
    if (total > limits.totalBytes) throw limitError('totalBytes', limits.totalBytes);
    if (size > RATIO_FLOOR_BYTES && size > compressedSize * limits.compressionRatio) {
      throw limitError('compressionRatio', limits.compressionRatio);
    }
    entries.set(name.toLowerCase(), { name, method, compressedSize, size, localHeaderOffset });
  }
  return entries;
}

function entryData(zip: Buffer, entry: ZipEntry): Buffer {
  const at = entry.localHeaderOffset;
  if (at + 30 > zip.length || zip.readUInt32LE(at) !== LOCAL) throw new ZipUnreadable(`bad local header for ${entry.name}`);
  const start = at + 30 + zip.readUInt16LE(at + 26) + zip.readUInt16LE(at + 28);
  const end = start + entry.compressedSize;
  if (end > zip.length) throw new ZipUnreadable(`${entry.name} runs past the end of the file`);
  return zip.subarray(start, end);
}

/**
 * The entry's bytes, inflated a chunk at a time: never more than it declared (so never more than the
 * limits allowed), whatever the compressed stream holds. Stops inflating when the caller stops reading.
 */
export async function* inflateEntry(zip: Buffer, entry: ZipEntry, limits: SheetLimits, budget: Budget): AsyncGenerator<Buffer> {
  const data = entryData(zip, entry);
  if (entry.method === 0) {
    if (data.length !== entry.size) throw new ZipUnreadable(`${entry.name}: stored size mismatch`);
    yield data;
    return;
  }
  if (entry.method !== 8) throw new ZipUnreadable(`${entry.name}: compression method ${entry.method}`);
  const inflater = createInflateRaw({ chunkSize: 64 * 1024 });
  inflater.end(data);
  let inflated = 0;
  try {
    for await (const chunk of inflater as AsyncIterable<Buffer>) {
      inflated += chunk.length;
      // An entry that inflates past its declared size lied about it: a bomb dressed as a small part.
      if (inflated > entry.size) throw limitError('entryBytes', limits.entryBytes);
      budget.check();
      yield chunk;
    }
  } catch (e) {
    if (e instanceof Error && 'code' in e && String((e as { code: unknown }).code).startsWith('Z_')) throw new ZipUnreadable(`${entry.name}: ${e.message}`);
    throw e;
  } finally {
    inflater.destroy();
  }
  if (inflated !== entry.size) throw new ZipUnreadable(`${entry.name}: inflated ${inflated} bytes, declared ${entry.size}`);
}
