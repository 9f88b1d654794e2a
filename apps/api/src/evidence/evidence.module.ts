import { Global, Module } from '@nestjs/common';
import { FsEvidenceStore, evidenceConfig, type EvidenceConfig } from '@ledger/integrity';
import type { LedgerConfig } from '@ledger/platform';
import { LEDGER_CONFIG } from '../platform/tokens';
import { ReadScope } from '../queries/shared/read-scope';
import { EvidenceLinker } from './evidence-linker.service';
import { EvidenceUploadGuard } from './evidence-upload.guard';
import { EvidenceRoutes } from './evidence.routes';
import { EVIDENCE_CONFIG, EVIDENCE_STORAGE } from './evidence.tokens';

/** POST /evidence and GET /items/:id/evidence/:sha256; the storage and the linker for the report commands (global). */
@Global()
@Module({
  controllers: [EvidenceRoutes],
  providers: [
    { provide: EVIDENCE_CONFIG, useFactory: (config: LedgerConfig) => evidenceConfig(config), inject: [LEDGER_CONFIG] },
    { provide: EVIDENCE_STORAGE, useFactory: (c: EvidenceConfig) => new FsEvidenceStore(c.dir), inject: [EVIDENCE_CONFIG] },
    EvidenceUploadGuard,
    EvidenceLinker,
    ReadScope,
  ],
  exports: [EVIDENCE_CONFIG, EVIDENCE_STORAGE, EvidenceLinker],
})
export class EvidenceModule {}
