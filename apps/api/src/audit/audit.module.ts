import { Module } from '@nestjs/common';
import { integrityConfig, loadOrCreateSealKey } from '@ledger/integrity';
import type { LedgerConfig } from '@ledger/platform';
import { LEDGER_CONFIG } from '../platform/tokens';
import { AuditController } from './audit.controller';
import { AuditService, SEAL_KEY } from './audit.service';
import { LogController } from './log.controller';
import { LogService } from './log.service';

/** GET /audit/verify, GET /items/:id/proof and the verifiable log (/log/…); the sealing key is read (or made) once, outside the database. */
@Module({
  controllers: [AuditController, LogController],
  providers: [
    { provide: SEAL_KEY, useFactory: (config: LedgerConfig) => loadOrCreateSealKey(integrityConfig(config).sealKeyFile), inject: [LEDGER_CONFIG] },
    AuditService,
    LogService,
  ],
  // The 督查通报 prints the log's checkpoint at its foot.
  exports: [LogService],
})
export class AuditModule {}
