import { createHash, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { openSqliteEventStore, type EventStore, type NewEvent } from '@ledger/event-store';
import { FsEvidenceStore, InvalidEvidenceHashError, evidenceConfig } from './evidence-store';
import { sniffEvidenceType } from './sniff';
import { verifyEvidence } from './verify-evidence';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-evidence-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A minimal zip (one or more stored or deflated entries) written by hand, independent of the reader under test. */
function zip(entries: Array<{ name: string; text: string; deflate?: boolean }>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const raw = Buffer.from(e.text, 'utf8');
    const data = e.deflate ? deflateRawSync(raw) : raw;
    const name = Buffer.from(e.name, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(e.deflate ? 8 : 0, 8);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(raw.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(e.deflate ? 8 : 0, 10);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(raw.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, data);
    centrals.push(central, name);
    offset += 30 + name.length + data.length;
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}
const contentTypes = (main: string) =>
  `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/x/main.xml" ContentType="${main}"/></Types>`;
/** An OLE compound file's signature, then a directory naming one stream (UTF-16LE), as Office writes it. */
const ole = (stream: string) =>
  Buffer.concat([
    Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]),
    Buffer.alloc(504),
    Buffer.from('Root Entry', 'utf16le'),
    Buffer.alloc(44),
    Buffer.from(stream, 'utf16le'),
    Buffer.alloc(64),
  ]);

describe('evidence types are judged by their bytes', () => {
  it.each([
    ['jpeg', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46]), 'image/jpeg'],
    ['png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), 'image/png'],
    ['gif', Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1'), 'image/gif'],
    ['webp', Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x24, 0, 0, 0]), Buffer.from('WEBPVP8 ')]), 'image/webp'],
    ['heic', Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypheic\0\0\0\0mif1heic')]), 'image/heic'],
    ['pdf', Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj', 'latin1'), 'application/pdf'],
    [
      'docx',
      zip([
        { name: '[Content_Types].xml', text: contentTypes('application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml'), deflate: true },
      ]),
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    ],
    [
      'xlsx',
      zip([
        { name: 'a.xml', text: '<a/>' },
        { name: '[Content_Types].xml', text: contentTypes('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml') },
      ]),
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    ],
    [
      'pptx',
      zip([
        {
          name: '[Content_Types].xml',
          text: contentTypes('application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml'),
          deflate: true,
        },
      ]),
      'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    ],
    ['doc', ole('WordDocument'), 'application/msword'],
    ['xls', ole('Workbook'), 'application/vnd.ms-excel'],
  ])('%s is recognised', (_, bytes, type) => {
    expect(sniffEvidenceType(bytes)).toBe(type);
  });

  it.each([
    ['an HTML page', Buffer.from('<!DOCTYPE html><script>alert(1)</script>')],
    ['an SVG image (it runs scripts)', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')],
    ['plain text', Buffer.from('三会一课自查报告', 'utf8')],
    ['a Windows program', Buffer.from('MZ\x90\x00\x03\x00\x00\x00', 'latin1')],
    ['a macro-enabled workbook (.xlsm)', zip([{ name: '[Content_Types].xml', text: contentTypes('application/vnd.ms-excel.sheet.macroEnabled.main+xml') }])],
    ['a zip that is no Office document', zip([{ name: 'run.sh', text: '#!/bin/sh\nrm -rf /' }])],
    ['an .msi installer (OLE, no Office stream)', ole('SummaryInformation')],
    [
      'a truncated zip',
      zip([{ name: '[Content_Types].xml', text: contentTypes('application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml') }]).subarray(
        0,
        40,
      ),
    ],
    ['an empty file', Buffer.alloc(0)],
  ])('%s is refused', (_, bytes) => {
    expect(sniffEvidenceType(bytes)).toBeNull();
  });
});

describe('FsEvidenceStore', () => {
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]);

  it('stores a file under its SHA-256, sharded, read-only, once', async () => {
    const dir = path.join(tmp, randomUUID());
    const store = new FsEvidenceStore(dir);
    const hash = sha(png);
    const first = await store.put(png, 'image/png');
    expect(first).toEqual({ created: true, stored: { sha256: hash, size: png.length, type: 'image/png' } });
    const file = path.join(dir, hash.slice(0, 2), hash.slice(2, 4), hash);
    expect(fs.readFileSync(file)).toEqual(png);
    expect(fs.statSync(file).mode & 0o777).toBe(0o444);
    expect(await store.put(png, 'image/png')).toEqual({ created: false, stored: first.stored });
    // Nothing left behind in the temp folder, and only the file and its type in its shard.
    expect(fs.readdirSync(path.join(dir, 'tmp'))).toEqual([]);
    expect(fs.readdirSync(path.dirname(file)).sort()).toEqual([hash, `${hash}.json`]);
    expect(await store.has(hash)).toBe(true);
    const got = await store.get(hash);
    const chunks: Buffer[] = [];
    for await (const c of got!.stream) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks)).toEqual(png);
    expect(got!.stored).toEqual({ sha256: hash, size: png.length, type: 'image/png' });
    expect(await store.verify(hash)).toEqual({ state: 'ok', size: png.length });
  });

  it('knows a hash it has not stored, and refuses anything that is not a hash before touching the disk', async () => {
    const store = new FsEvidenceStore(path.join(tmp, randomUUID()));
    const absent = 'a'.repeat(64);
    expect(await store.has(absent)).toBe(false);
    expect(await store.get(absent)).toBeNull();
    expect(await store.verify(absent)).toEqual({ state: 'missing' });
    for (const bad of ['../../etc/passwd', `${'a'.repeat(62)}/.`, 'A'.repeat(64), '', `${'a'.repeat(64)}/x`]) {
      await expect(store.has(bad)).rejects.toThrow(InvalidEvidenceHashError);
      await expect(store.get(bad)).rejects.toThrow(InvalidEvidenceHashError);
    }
  });

  it('reads LEDGER_EVIDENCE_MAX_BYTES and LEDGER_EVIDENCE_DIR', () => {
    expect(evidenceConfig({ dataDir: '/srv/ledger' }, {})).toEqual({ dir: '/srv/ledger/evidence', maxBytes: 20 * 1024 * 1024 });
    expect(evidenceConfig({ dataDir: '/srv/ledger' }, { LEDGER_EVIDENCE_MAX_BYTES: '1000', LEDGER_EVIDENCE_DIR: '/mnt/files' })).toEqual({
      dir: '/mnt/files',
      maxBytes: 1000,
    });
    expect(() => evidenceConfig({ dataDir: '/srv' }, { LEDGER_EVIDENCE_MAX_BYTES: '20MB' })).toThrow(/LEDGER_EVIDENCE_MAX_BYTES=20MB/);
    expect(() => evidenceConfig({ dataDir: '/srv' }, { LEDGER_EVIDENCE_MAX_BYTES: '0' })).toThrow(/LEDGER_EVIDENCE_MAX_BYTES=0/);
  });
});

describe('verifyEvidence: the hash in the event is the proof', () => {
  let store: EventStore;
  let files: FsEvidenceStore;
  let dir: string;
  const pdf = Buffer.from('%PDF-1.4\n整改报告\n%%EOF', 'utf8');
  const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 9, 9, 9]);
  const legacy = 'b'.repeat(64);
  const report = (type: string, itemId: string, evidence: unknown[]): NewEvent => ({
    id: randomUUID(),
    type,
    schemaVersion: 1,
    data: { itemId, summary: '已整改', note: '进展', evidence },
    metadata: {
      actor: { userId: 'u-1', role: 'unit', unitId: 'unit-1', name: '李四' },
      correlationId: randomUUID(),
      recordedAt: '2026-03-02T09:00:00.000+08:00',
    },
  });

  beforeEach(async () => {
    dir = path.join(tmp, randomUUID());
    fs.mkdirSync(dir);
    store = await openSqliteEventStore({ file: path.join(dir, 'events.sqlite'), synchronous: 'NORMAL' });
    files = new FsEvidenceStore(path.join(dir, 'evidence'));
    await files.put(pdf, 'application/pdf');
    await files.put(jpeg, 'image/jpeg');
    await store.append('item-i1', [report('ProgressReported', 'i1', [{ name: '照片.jpg', size: jpeg.length, sha256: sha(jpeg), stored: true }])], 'no_stream');
    await store.append(
      'item-i2',
      [
        report('CompletionReported', 'i2', [
          { name: '整改报告.pdf', size: pdf.length, sha256: sha(pdf), stored: true },
          // A version 1 client: the hash alone, never uploaded.
          { name: '旧材料.docx', size: 10, sha256: legacy },
        ]),
      ],
      'no_stream',
    );
  });
  afterEach(() => store.close());

  it('an untouched store verifies; a hash never uploaded is counted, not reported', async () => {
    expect(await verifyEvidence(store, files)).toEqual({ ok: true, checked: 2, notUploaded: 1, problems: [] });
  });

  it('a file whose bytes were replaced on disk is reported with its item and hash', async () => {
    const hash = sha(pdf);
    const file = path.join(dir, 'evidence', hash.slice(0, 2), hash.slice(2, 4), hash);
    fs.chmodSync(file, 0o644);
    const forged = Buffer.from('%PDF-1.4\n伪造的报告\n%%EOF', 'utf8');
    fs.writeFileSync(file, forged);
    const result = await verifyEvidence(store, files);
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([
      { problem: 'mismatch', sha256: hash, actual: sha(forged), itemId: 'i2', stream: 'item-i2', revision: 0, position: '2', name: '整改报告.pdf' },
    ]);
  });

  it('a file an event recorded as stored and that is gone is reported as missing', async () => {
    const hash = sha(jpeg);
    fs.rmSync(path.join(dir, 'evidence', hash.slice(0, 2), hash.slice(2, 4), hash), { force: true });
    const result = await verifyEvidence(store, files);
    expect(result).toEqual({
      ok: false,
      checked: 1,
      notUploaded: 1,
      problems: [{ problem: 'missing', sha256: hash, itemId: 'i1', stream: 'item-i1', revision: 0, position: '1', name: '照片.jpg' }],
    });
  });
});
