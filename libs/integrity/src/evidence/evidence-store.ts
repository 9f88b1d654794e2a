import { createHash, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { EVIDENCE_TYPES, type EvidenceType } from './sniff';

export const SHA256_HEX = /^[0-9a-f]{64}$/;

/** What the store knows of a file besides its bytes. */
export interface StoredEvidence {
  sha256: string;
  size: number;
  /** octet-stream only when the type recorded beside the file was lost. */
  type: EvidenceType | 'application/octet-stream';
}

export type EvidenceCheck =
  | { state: 'ok'; size: number }
  | { state: 'missing' }
  /** The bytes stored under this hash hash to something else: replaced or damaged on disk. */
  | { state: 'mismatch'; actual: string; size: number };

/**
 * Where evidence files live, addressed by the SHA-256 of their bytes. The data folder by default
 * (FsEvidenceStore); a county may put an object store behind the same four calls.
 */
export interface EvidenceStorage {
  /** For messages: where the files are. */
  readonly location: string;
  /** Stores the bytes under their own hash; storing the same bytes again keeps the first copy. */
  put(bytes: Buffer, type: EvidenceType): Promise<{ created: boolean; stored: StoredEvidence }>;
  /** The file as a stream, with what was stored about it; null when there is none. */
  get(sha256: string): Promise<{ stored: StoredEvidence; stream: Readable } | null>;
  has(sha256: string): Promise<boolean>;
  /** Rehashes the stored bytes. */
  verify(sha256: string): Promise<EvidenceCheck>;
}

export class InvalidEvidenceHashError extends Error {
  readonly code = 'INVALID_EVIDENCE_HASH';
  constructor(value: string) {
    super(`${JSON.stringify(value.slice(0, 80))} is not a lower-case hex SHA-256 (64 characters)`);
  }
}

function checked(sha256: string): string {
  if (typeof sha256 !== 'string' || !SHA256_HEX.test(sha256)) throw new InvalidEvidenceHashError(String(sha256));
  return sha256;
}

export interface EvidenceConfig {
  /** LEDGER_EVIDENCE_DIR, default <data dir>/evidence. */
  dir: string;
  /** LEDGER_EVIDENCE_MAX_BYTES, default 20 MiB. */
  maxBytes: number;
}

export const DEFAULT_EVIDENCE_MAX_BYTES = 20 * 1024 * 1024;

export function evidenceConfig(config: { dataDir: string }, env: NodeJS.ProcessEnv = process.env): EvidenceConfig {
  const raw = env.LEDGER_EVIDENCE_MAX_BYTES;
  const maxBytes = raw === undefined || raw === '' ? DEFAULT_EVIDENCE_MAX_BYTES : Number(raw);
  // 1 GiB: multer holds the whole upload in memory before it is hashed and checked.
  if (!Number.isInteger(maxBytes) || maxBytes < 1 || maxBytes > 1024 ** 3) {
    throw new Error(`LEDGER_EVIDENCE_MAX_BYTES=${raw}: expected a whole number of bytes from 1 to 1073741824`);
  }
  return { dir: path.resolve(env.LEDGER_EVIDENCE_DIR || path.join(config.dataDir, 'evidence')), maxBytes };
}

/**
 * Files under <dir>/ab/cd/<sha256> (two levels of sharding keep folders small), each beside a
 * <sha256>.json holding its type and size. A file is written to <dir>/tmp, synced, made read-only
 * and renamed into place: a reader never sees half a file, and a crash leaves only a temp file.
 */
export class FsEvidenceStore implements EvidenceStorage {
  constructor(readonly location: string) {}

  private fileOf(sha256: string): string {
    const h = checked(sha256);
    return path.join(this.location, h.slice(0, 2), h.slice(2, 4), h);
  }

  async put(bytes: Buffer, type: EvidenceType): Promise<{ created: boolean; stored: StoredEvidence }> {
    if (!(type in EVIDENCE_TYPES)) throw new Error(`not an evidence type: ${type}`);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const stored: StoredEvidence = { sha256, size: bytes.length, type };
    const file = this.fileOf(sha256);
    if (fs.existsSync(file)) return { created: false, stored: (await this.info(sha256)) ?? stored };
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    await this.writeAtomically(`${file}.json`, Buffer.from(JSON.stringify({ type, size: bytes.length })));
    // The content's rename is the commit: until it happens, the file is not there.
    await this.writeAtomically(file, bytes);
    return { created: true, stored };
  }

  async get(sha256: string): Promise<{ stored: StoredEvidence; stream: Readable } | null> {
    const stored = await this.info(sha256);
    if (!stored) return null;
    try {
      const handle = await fs.promises.open(this.fileOf(sha256), 'r');
      const { size } = await handle.stat();
      return { stored: { ...stored, size }, stream: handle.createReadStream() };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  async has(sha256: string): Promise<boolean> {
    return fs.existsSync(this.fileOf(sha256));
  }

  async verify(sha256: string): Promise<EvidenceCheck> {
    const file = this.fileOf(sha256);
    const hash = createHash('sha256');
    let size = 0;
    try {
      for await (const chunk of fs.createReadStream(file)) {
        hash.update(chunk as Buffer);
        size += (chunk as Buffer).length;
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'missing' };
      throw e;
    }
    const actual = hash.digest('hex');
    return actual === sha256 ? { state: 'ok', size } : { state: 'mismatch', actual, size };
  }

  private async info(sha256: string): Promise<StoredEvidence | null> {
    const file = this.fileOf(sha256);
    if (!fs.existsSync(file)) return null;
    try {
      const meta = JSON.parse(await fs.promises.readFile(`${file}.json`, 'utf8')) as { type?: string; size?: number };
      if (typeof meta.type === 'string' && meta.type in EVIDENCE_TYPES) return { sha256, size: Number(meta.size), type: meta.type as EvidenceType };
    } catch {
      // Lost or unreadable metadata: the file is still served, as bytes of no particular type.
    }
    return { sha256, size: (await fs.promises.stat(file)).size, type: 'application/octet-stream' };
  }

  private async writeAtomically(target: string, bytes: Buffer): Promise<void> {
    const tmpDir = path.join(this.location, 'tmp');
    await fs.promises.mkdir(tmpDir, { recursive: true });
    const tmp = path.join(tmpDir, `${path.basename(target)}.${randomUUID()}`);
    const handle = await fs.promises.open(tmp, 'wx', 0o600);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.promises.chmod(tmp, 0o444);
    try {
      await fs.promises.rename(tmp, target);
    } catch (e) {
      await fs.promises.rm(tmp, { force: true });
      throw e;
    }
    await syncDir(path.dirname(target));
  }
}

async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await fs.promises.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some file systems cannot sync a folder; the rename itself is still atomic.
  }
}
