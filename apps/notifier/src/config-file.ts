import * as fs from 'node:fs';
import * as path from 'node:path';
import { NotifyConfigError, parseNotifyConfig, type NotifyConfig } from '@ledger/read-models/notifications';

/** LEDGER_NOTIFY_CONFIG, absolute: the notification configuration file; unset, nobody is notified (and `ledger start` runs no notifier). */
export function notifyConfigPath(env: NodeJS.ProcessEnv = process.env): string | null {
  return env.LEDGER_NOTIFY_CONFIG ? path.resolve(env.LEDGER_NOTIFY_CONFIG) : null;
}

/** How often, at most, the file's stat is looked at: an edit applies within this (plus the next pass). */
const LOOK_EVERY_MS = 200;

/**
 * The county's notification configuration, re-read whenever the file changes (no restart). An edit
 * that does not parse or validate is refused with the reasons in the log, and the last good
 * configuration stays in force until the file is fixed.
 */
export class NotifyConfigFile {
  private good: NotifyConfig;
  private seen: string;
  private lookedAt = 0;

  /** Throws NotifyConfigError (or the read's error) when the file is not a good configuration to start with. */
  constructor(
    readonly file: string,
    private readonly log: (line: string) => void = () => undefined,
  ) {
    this.seen = this.signature();
    this.good = parseNotifyConfig(fs.readFileSync(file, 'utf8'));
  }

  /** The configuration in force, after looking whether the file changed. */
  current(): NotifyConfig {
    const now = Date.now();
    if (now - this.lookedAt < LOOK_EVERY_MS) return this.good;
    this.lookedAt = now;
    this.reload();
    return this.good;
  }

  /** Re-reads the file if it changed; true when a new configuration took effect. */
  reload(): boolean {
    let signature: string;
    try {
      signature = this.signature();
    } catch (e) {
      if (this.seen !== 'missing') this.log(`configuration ${this.file} unreadable (${(e as Error).message}); keeping the last good one`);
      this.seen = 'missing';
      return false;
    }
    if (signature === this.seen) return false;
    this.seen = signature;
    try {
      this.good = parseNotifyConfig(fs.readFileSync(this.file, 'utf8'));
      this.log(`configuration ${this.file} reloaded: ${Object.keys(this.good.channels).length} channel(s), ${this.good.routes.length} route(s)`);
      return true;
    } catch (e) {
      const why = e instanceof NotifyConfigError ? e.problems.join('; ') : (e as Error).message;
      this.log(`configuration ${this.file} REFUSED, keeping the last good one: ${why}`);
      return false;
    }
  }

  /** Size, modification time and inode: a save in place or a rename over the file both change it. */
  private signature(): string {
    const s = fs.statSync(this.file, { bigint: true });
    return `${s.ino}:${s.size}:${s.mtimeNs}`;
  }
}
