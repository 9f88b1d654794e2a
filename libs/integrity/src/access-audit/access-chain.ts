import { createHash } from 'node:crypto';
// node:crypto only: this file also runs inside the trail's SQLite writer thread, where no alias resolves.

/*
 * The access audit trail's chain (who looked at what). One chain, one entry per answered request
 * (or per recorded act with no request, e.g. a session timing out):
 *
 *   text = JSON.stringify(["access-audit/1", String(seq), at, actor, role, name, address, action, target, outcome, status, detail])
 *   hash = SHA-256(prevHash ‖ UTF-8(text))            prevHash: 32 bytes; the first entry's is 32 zero bytes
 *
 * `detail` is the JSON text the store keeps (or null), so the hashed text is exactly what is stored.
 * Pruning (retention) deletes the oldest entries and keeps the hash of the last one deleted as the
 * anchor the first kept entry chains from; the prune itself is an entry (action `audit-pruned`,
 * detail `{ through, anchor, count }`), so the anchor the store keeps is also covered by the chain.
 */
export const ACCESS_AUDIT_FORMAT = 'access-audit/1';
export const ACCESS_ZERO_HASH = '0'.repeat(64);

/**
 * What is recorded (the `action` column). Requests are classified by route template (see
 * apps/api/src/access-audit/classify.ts); a process may record any of them itself through AccessAudit.
 */
export const ACCESS_ACTIONS = {
  'sign-in': '登录',
  'sign-in-failed': '登录失败',
  'session-end': '会话结束',
  'password-change': '修改密码',
  'account-change': '账号变更',
  'account-read': '查看账号',
  export: '导出',
  'register-read': '查看问责台账',
  'cadre-read': '查看干部情况',
  proof: '取得证明',
  'as-of': '历史时点查询',
  'audit-read': '查看访问审计',
  'audit-verify': '核验台账',
  'evidence-download': '下载佐证材料',
  bulletin: '生成督查通报',
  'dead-letter-read': '查看投递失败消息',
  'dead-letter-replay': '重发投递失败消息',
  refused: '拒绝访问',
  'audit-pruned': '审计记录到期清理',
  'api-key-issued': '签发密钥',
  'api-key-revoked': '吊销密钥',
  'api-key-use': '密钥访问',
  'machine-token-use': '无账号令牌访问',
} as const;
export type AccessAction = keyof typeof ACCESS_ACTIONS;

/** ok: answered (2xx/3xx); refused: 401/403 (and a locked account's 423); failed: any other error. */
export type AccessOutcome = 'ok' | 'refused' | 'failed';

export interface AccessEntryInput {
  /** The account or token subject; null when nobody could be identified (a bad token). */
  actor: string | null;
  role?: string | null;
  name?: string | null;
  /** The client's address as the server saw it. */
  address: string | null;
  action: AccessAction;
  /** What was looked at: the request path with its query, or a named thing (`account:<id>`). */
  target: string;
  outcome: AccessOutcome;
  /** The HTTP status answered; null for acts without a request. */
  status?: number | null;
  detail?: Record<string, unknown> | null;
}

export interface AccessEntry {
  seq: number;
  /** ISO-8601 UTC instant (Date.toISOString), as stored and hashed. */
  at: string;
  actor: string | null;
  role: string | null;
  name: string | null;
  address: string | null;
  action: string;
  target: string;
  outcome: string;
  status: number | null;
  /** JSON text or null. */
  detail: string | null;
  hash: string;
}

export interface AccessAuditHead {
  /** The newest entry's seq (0: none yet). */
  seq: number;
  hash: string;
  /** Entries up to and including this seq were pruned (0: none). */
  prunedThrough: number;
  /** The hash of entry `prunedThrough` (zeros when none was pruned): the first kept entry chains from it. */
  anchor: string;
}

export function accessEntryText(e: Omit<AccessEntry, 'hash'>): string {
  return JSON.stringify([ACCESS_AUDIT_FORMAT, String(e.seq), e.at, e.actor, e.role, e.name, e.address, e.action, e.target, e.outcome, e.status, e.detail]);
}

export function accessEntryHash(prevHashHex: string, e: Omit<AccessEntry, 'hash'>): string {
  return createHash('sha256').update(Buffer.from(prevHashHex, 'hex')).update(accessEntryText(e), 'utf8').digest('hex');
}

/** Links a batch after `head`: seq and hash assigned in order. Called by a store under its write lock. */
export function chainEntries(head: { seq: number; hash: string }, inputs: ReadonlyArray<AccessEntryInput & { at: string }>): AccessEntry[] {
  let prev = head.hash;
  let seq = head.seq;
  return inputs.map((i) => {
    seq += 1;
    const base: Omit<AccessEntry, 'hash'> = {
      seq,
      at: i.at,
      actor: i.actor ?? null,
      role: i.role ?? null,
      name: i.name ?? null,
      address: i.address ?? null,
      action: i.action,
      target: i.target,
      outcome: i.outcome,
      status: i.status ?? null,
      detail: i.detail ? JSON.stringify(i.detail) : null,
    };
    prev = accessEntryHash(prev, base);
    return { ...base, hash: prev };
  });
}

export type AccessBreakReason = 'seq_gap' | 'hash_mismatch' | 'head_mismatch' | 'prune_anchor_mismatch';

export interface AccessAuditReport {
  ok: boolean;
  checked: number;
  head: number;
  prunedThrough: number;
  firstBreak?: { seq: number; reason: AccessBreakReason; detail: string };
}

/** What verification reads: the head row and the entries in seq order. */
export interface AccessAuditReader {
  head(): Promise<AccessAuditHead>;
  entriesAfter(seq: number, limit: number): Promise<AccessEntry[]>;
}

/**
 * Recomputes the chain from the anchor to the head: seq gap-free from prunedThrough + 1, every hash,
 * the head row at the end (a deleted tail), and the newest prune record against the kept anchor.
 */
export async function verifyAccessAudit(reader: AccessAuditReader, options: { batchSize?: number } = {}): Promise<AccessAuditReport> {
  const batch = options.batchSize ?? 2000;
  const head = await reader.head();
  let prev = head.anchor;
  let expected = head.prunedThrough + 1;
  let checked = 0;
  let lastPrune: { seq: number; through: unknown; anchor: unknown } | null = null;
  const report = (firstBreak?: AccessAuditReport['firstBreak']): AccessAuditReport => ({
    ok: !firstBreak,
    checked,
    head: head.seq,
    prunedThrough: head.prunedThrough,
    ...(firstBreak ? { firstBreak } : {}),
  });
  for (;;) {
    const rows = await reader.entriesAfter(expected - 1, batch);
    for (const row of rows) {
      if (row.seq !== expected) {
        return report({ seq: expected, reason: 'seq_gap', detail: `entry ${expected} is missing (the next one is ${row.seq})` });
      }
      const recomputed = accessEntryHash(prev, row);
      if (recomputed !== row.hash) {
        return report({
          seq: row.seq,
          reason: 'hash_mismatch',
          detail: `entry ${row.seq} (${row.action} by ${row.actor ?? '-'} at ${row.at}) does not hash to its stored link: altered, or an entry before it was`,
        });
      }
      if (row.action === 'audit-pruned') {
        const d = row.detail ? (JSON.parse(row.detail) as { through?: unknown; anchor?: unknown }) : {};
        lastPrune = { seq: row.seq, through: d.through, anchor: d.anchor };
      }
      prev = row.hash;
      expected += 1;
      checked += 1;
    }
    if (rows.length < batch) break;
  }
  if (head.seq !== expected - 1 || head.hash !== prev) {
    return report({
      seq: expected,
      reason: 'head_mismatch',
      detail: `the head says entry ${head.seq}, the chain ends at ${expected - 1}: entries were removed from the end, or the head was altered`,
    });
  }
  if (head.prunedThrough > 0 && (!lastPrune || lastPrune.through !== head.prunedThrough || lastPrune.anchor !== head.anchor)) {
    return report({
      seq: head.prunedThrough + 1,
      reason: 'prune_anchor_mismatch',
      detail: `entries up to ${head.prunedThrough} are gone but no prune record says so with that anchor${lastPrune ? ` (the newest, entry ${lastPrune.seq}, says through ${String(lastPrune.through)})` : ''}`,
    });
  }
  return report();
}
