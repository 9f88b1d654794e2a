import * as fs from 'node:fs';
import * as path from 'node:path';
import type { KeyObject } from 'node:crypto';
import { checkpointMessage, checkpointSignatureValid, signCheckpoint, type Checkpoint, type CheckpointBody, type SignatureScheme } from './checkpoint';
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

/**
 * Opens the tree of the configured suite. When that tree is new and the other suite's tree file holds
 * leaves, the switch happens here: the old tree gets its last checkpoint (signed with the old suite's
 * key) and the new one starts with the leaf committing to it. Returns the old checkpoint when it did.
 */
export function openSuiteTree(opts: {
  treeFile: string;
  hash: HashFunction;
  /** The tree file of the suite being left, and what signs its checkpoints. */
  previous: { treeFile: string; hash: HashFunction; privateKey: KeyObject | string; publicKey: unknown; scheme: SignatureScheme; algorithm: string } | null;
  now: () => Date;
}): { tree: LogTreeStore; switchedFrom: Checkpoint | null } {
  const isNew = !fs.existsSync(opts.treeFile);
  const tree = new LogTreeStore(opts.treeFile, opts.hash);
  if (
    !isNew ||
    tree.size > 0 ||
    !opts.previous ||
    path.resolve(opts.previous.treeFile) === path.resolve(opts.treeFile) ||
    !fs.existsSync(opts.previous.treeFile)
  ) {
    return { tree, switchedFrom: null };
  }
  const p = opts.previous;
  const old = new LogTreeStore(p.treeFile, p.hash);
  try {
    if (old.size === 0) return { tree, switchedFrom: null };
    const newest = old.newestCheckpoint();
    const last =
      newest && newest.treeSize === old.size
        ? newest
        : old.saveCheckpoint(
            signCheckpoint(
              { treeSize: old.size, root: old.root().toString('hex'), algorithm: p.algorithm, issuedAt: opts.now().toISOString() },
              p.privateKey,
              p.scheme,
              p.publicKey,
            ),
          );
    tree.append([{ position: 0n, leaf: suiteSwitchLeaf(last) }]);
    return { tree, switchedFrom: last };
  } finally {
    old.close();
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
