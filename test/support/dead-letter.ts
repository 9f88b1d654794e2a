import type { DataSource } from 'typeorm';
import { NOTIFICATIONS_DS } from '../../apps/api/src/notifications/notifications.route';
import type { Ledger } from './ledger';

/** A dead letter about item i1 of unit dahua, as the notifier leaves one after its last failed attempt (3, HTTP 500). */
export async function insertDeadLetter(ledger: Ledger, id: string): Promise<void> {
  await ledger.app
    .get<DataSource>(NOTIFICATIONS_DS)
    .query(
      `INSERT INTO "nt_outbox" ("id", "position", "eventId", "eventType", "kind", "itemId", "audience", "channel", "payload", "status", "attempts", "nextAttemptAt", "createdAt", "lastError") ` +
        `VALUES (?, 1, 'e-1', 'ItemAssigned', 'assigned', 'i1', 'unit:dahua', 'ding', ?, 'dead', 3, 0, '2026-03-02T01:00:00.000Z', 'HTTP 500')`,
      [id, JSON.stringify({ title: '【交办】规范村级组织活动场所', lines: [], path: '/items/i1', dueDate: '2026-04-30', unitId: 'dahua' })],
    );
}
