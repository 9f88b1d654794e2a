import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * A real small file system for fault tests: a tmpfs of `sizeKb` (ENOSPC once full; EROFS once
 * remounted read-only, which binds root too, unlike file modes). Needs the right to mount (root, as
 * the tests and CI run here); without it the test fails with mount's own message.
 */
export interface Tmpfs {
  dir: string;
  readOnly(): void;
  unmount(): void;
}

export function mountTmpfs(sizeKb: number): Tmpfs {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-tmpfs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k,mode=0755`, 'tmpfs', dir], { stdio: 'pipe' });
  let mounted = true;
  return {
    dir,
    readOnly: () => void execFileSync('mount', ['-o', 'remount,ro', dir], { stdio: 'pipe' }),
    unmount: () => {
      if (!mounted) return;
      mounted = false;
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
