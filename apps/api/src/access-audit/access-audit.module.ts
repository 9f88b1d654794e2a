import { Module } from '@nestjs/common';
import { AccessAuditRoute } from './access-audit.route';

/** GET /audit/access; the AccessAudit recorder itself is provided app-wide (LedgerPlatformModule). */
@Module({ controllers: [AccessAuditRoute] })
export class AccessAuditModule {}
