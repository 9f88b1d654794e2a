import * as fs from 'node:fs';
import * as path from 'node:path';
import type { KeyObject } from 'node:crypto';
import { checkpointMessage, checkpointSignatureValid, signCheckpoint, type Checkpoint, type CheckpointBody, type SignatureScheme } from './checkpoint';
import { sqliteCheckpoints, switchLeafOf, type CheckpointStore } from './checkpoint-store';
import { LogTreeStore } from './log-tree-store';
import { rfcLeafHash, verifyInclusion, type HashFunction } from './rfc9162';

/*
 * Switching suites (LEDGER_CRYPTO) on a ledger that already has a tree: the old tree is closed with a
 * last checkpoint signed under its own suite, and the new tree's first leaf (index 0, position 0, before
 * every event) is that checkpoint, so every checkpoint of the new tree commits to the old root:
 *
 *   ledger-suite-switch/1\n ‖ checkpointMessage(last old checkpoint) ‖ <its signature, base64>\n
 *
 * The new tree then holds every event again, leaf i at position i, under the new hash.
 */

export const SUITE_SWITCH_FORMAT = 'ledger-suite-switch/1';

export function suiteSwitchLeaf(previous: Checkpoint): Buffer {
  return Buffer.concat([Buffer.from(`${SUITE_SWITCH_FORMAT}\n`, 'utf8'), checkpointMessage(previous), Buffer.from(`${previous.signature}\n`, 'utf8')]);
}

/** The old checkpoint a switch leaf carries, or null when the bytes are not a switch leaf. */
export function parseSuiteSwitchLeaf(leaf: Buffer): (CheckpointBody & { signature: string }) | null {
  const lines = leaf.toString('utf8').split('\n');
  if (lines.length !== 9 || lines[0] !== SUITE_SWITCH_FORMAT || lines[1] !== 'ledger-checkpoint/1' || lines[8] !== '') return null;
  const [, , algorithm, size, root, issuedAt, keyId, signature] = lines;
  if (!/^\d+$/.test(size)) return null;
  const body = { algorithm, treeSize: Number(size), root, issuedAt, keyId, signature };
  return suiteSwitchLeaf({ ...body, witnesses: [] }).equals(leaf) ? body : null;
}

/** The suite being left: its tree file, and what signs its checkpoints. */
export interface PreviousSuite {
  treeFile: string;
  hash: HashFunction;
  privateKey: KeyObject | string;
  publicKey: unknown;
  scheme: SignatureScheme;
  algorithm: string;
}

/**
 * Gives a tree without leaves its first leaf, the one every instance builds on: the one `checkpoints`
 * keeps when another instance (or an earlier start) decided it; else this instance decides, and the
 * first decision stored wins: the switch leaf closing the other suite's tree when there is one (its
 * newest kept checkpoint, or one signed now for this instance's copy of it when that is further on),
 * else none (the tree begins with the first event). Decided apart on each instance, leaf 0 would carry
 * each instance's own clock and signature, and the trees would differ from their first leaf on. A tree
 * with leaves is left as it is; its leaf 0 is stored as the decision when none is (a tree made before
 * the decision was kept), and `agrees` says whether it is the kept one.
 * Returns the old checkpoint the switch leaf carries when it appended one.
 */
export async function settleFirstLeaf(opts: {
  tree: LogTreeStore;
  treeFile: string;
  checkpoints: CheckpointStore;
  previous: PreviousSuite | null;
  /** Where the other suite's checkpoints are kept when they are shared (LEDGER_LOG_STORE=postgres); default its tree file. */
  previousCheckpoints?: CheckpointStore;
  now: () => Date;
}): Promise<{ switchedFrom: Checkpoint | null; agrees: boolean }> {
  const kept = await opts.checkpoints.firstLeaf();
  if (opts.tree.size > 0) {
    const own = switchLeafOf(opts.tree);
    const decided = kept === undefined ? await opts.checkpoints.saveFirstLeaf(own) : kept;
    return { switchedFrom: null, agrees: decided === null ? own === null : own !== null && own.equals(decided) };
  }
  let leaf = kept;
  if (leaf === undefined) {
    const last = opts.previous ? await closingCheckpoint(opts.treeFile, opts.previous, opts.previousCheckpoints, opts.now) : null;
    leaf = await opts.checkpoints.saveFirstLeaf(last ? suiteSwitchLeaf(last) : null);
  }
  if (!leaf) return { switchedFrom: null, agrees: true };
  opts.tree.append([{ position: 0n, leaf }]);
  const from = parseSuiteSwitchLeaf(leaf);
  return { switchedFrom: from ? { ...from, witnesses: [] } : null, agrees: true };
}

/** The old tree's last checkpoint, signed now when none kept reaches as far as this instance's copy of the tree; null: nothing to close. */
async function closingCheckpoint(treeFile: string, p: PreviousSuite, shared: CheckpointStore | undefined, now: () => Date): Promise<Checkpoint | null> {
  if (path.resolve(p.treeFile) === path.resolve(treeFile)) return null;
  const old = fs.existsSync(p.treeFile) ? new LogTreeStore(p.treeFile, p.hash) : null;
  try {
    const kept = shared ?? (old ? sqliteCheckpoints(old) : null);
    if (!kept) return null;
    const newest = await kept.newestCheckpoint();
    const size = old?.size ?? 0;
    if (newest && newest.treeSize >= size) return newest;
    if (!old || size === 0) return null;
    return kept.saveCheckpoint(
      signCheckpoint(
        { treeSize: size, root: old.root().toString('hex'), algorithm: p.algorithm, issuedAt: now().toISOString() },
        p.privateKey,
        p.scheme,
        p.publicKey,
      ),
    );
  } finally {
    old?.close();
  }
}

/**
 * Opens the tree of the configured suite in its own file (one instance: the file keeps the decision).
 * When that tree is new and the other suite's tree file holds leaves, the switch happens here: the old
 * tree gets its last checkpoint (signed with the old suite's key) and the new one starts with the leaf
 * committing to it. Returns the old checkpoint when it did.
 */
export async function openSuiteTree(opts: {
  treeFile: string;
  hash: HashFunction;
  previous: PreviousSuite | null;
  now: () => Date;
}): Promise<{ tree: LogTreeStore; switchedFrom: Checkpoint | null }> {
  const tree = new LogTreeStore(opts.treeFile, opts.hash);
  try {
    const { switchedFrom } = await settleFirstLeaf({ ...opts, tree, checkpoints: sqliteCheckpoints(tree) });
    return { tree, switchedFrom };
  } catch (e) {
    tree.close();
    throw e;
  }
}

/**
 * Checks that a checkpoint of the new suite commits to the old tree: its leaf 0 is a switch leaf whose
 * old checkpoint is signed by the old key, and the inclusion path leads from that leaf to the new root.
 * Returns the old checkpoint, or the reason it does not hold.
 */
export function verifySuiteSwitch(
  next: CheckpointBody,
  newHash: HashFunction,
  leaf: Buffer,
  inclusion: Buffer[],
  oldPublicKey: unknown,
): { ok: true; previous: CheckpointBody } | { ok: false; reason: string } {
  const previous = parseSuiteSwitchLeaf(leaf);
  if (!previous) return { ok: false, reason: 'leaf 0 is not a suite-switch leaf' };
  if (previous.algorithm === next.algorithm) return { ok: false, reason: `the switch leaf names the same suite (${next.algorithm})` };
  if (!checkpointSignatureValid(previous, oldPublicKey))
    return { ok: false, reason: `the old checkpoint (${previous.algorithm}, ${previous.treeSize} events) is not signed by the old key` };
  if (!verifyInclusion(newHash, 0, next.treeSize, rfcLeafHash(newHash, leaf), inclusion, Buffer.from(next.root, 'hex'))) {
    return { ok: false, reason: 'the switch leaf is not leaf 0 of the new tree (its inclusion proof fails)' };
  }
  return { ok: true, previous };
}
