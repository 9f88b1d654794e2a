import { Module } from '@nestjs/common';
import { integrityConfig, loadOrCreateSealKey } from '@ledger/integrity';
import type { LedgerConfig } from '@ledger/platform';
import { LEDGER_CONFIG } from '../platform/tokens';
import { AuditController } from './audit.controller';
import { AuditService, SEAL_KEY } from './audit.service';

/** GET /audit/verify and GET /items/:id/proof; the sealing key is read (or made) once, outside the database. */
@Module({
  controllers: [AuditController],
  providers: [
    { provide: SEAL_KEY, useFactory: (config: LedgerConfig) => loadOrCreateSealKey(integrityConfig(config).sealKeyFile), inject: [LEDGER_CONFIG] },
    AuditService,
  ],
})
export class AuditModule {}
