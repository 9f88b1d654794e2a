import { Controller, Get, Param, Query } from '@nestjs/common';
import { ReadQueryDto } from '@ledger/contracts';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { LedgerBrokenError, type LedgerProof } from '@ledger/integrity';
import { Roles } from '../auth/roles.decorator';
import { IdPipe } from '../command-path/id.pipe';
import { ApiProblem } from '../problem-details/errors';
import { AuditService } from './audit.service';
import { LogService } from './log.service';

export interface VerifyAnswer {
  ok: boolean;
  checked: number;
  seals: number;
  head: string;
  newestSeal?: { covers: string; position: string; sealedAt: string };
  firstBreak?: { stream: string; revision: number; position: string; reason: string; detail: string };
}

@ApiTags('audit')
@Controller()
export class AuditController {
  constructor(
    private readonly audit: AuditService,
    private readonly logs: LogService,
  ) {}

  @Get('audit/verify')
  @Roles('inspector', 'discipline')
  @ApiOperation({ summary: 'Recompute both hash chains from position 0 and check every seal; names the first broken link' })
  async verify(): Promise<VerifyAnswer> {
    return this.audit.verify();
  }

  @Get('items/:id/proof')
  @Roles('inspector', 'discipline', 'org_dept')
  @ApiOperation({
    summary:
      "The item's events with their hashes, the Merkle path to the newest seal, the seal, the public key, and each event's RFC 9162 inclusion proof against a signed checkpoint (check with npx ledger-verify)",
  })
  // The proof reads the store itself, which is never behind: `minPosition` is checked, never waited on.
  async proof(@Param('id', IdPipe) id: string, @Query() _query: ReadQueryDto): Promise<LedgerProof> {
    try {
      const proof = await this.audit.sealer.proof(`item-${id}`);
      if (!proof) throw new ApiProblem(404, 'ITEM_NOT_FOUND', `no item ${id}`);
      // The checkpoint is taken after the events were read: it covers every one of them.
      const checkpoint = await this.logs.log.checkpoint();
      if (!checkpoint) return proof;
      const inclusions = [];
      for (const e of proof.events) {
        const { leafIndex, proof: path } = await this.logs.log.inclusion(BigInt(e.position), checkpoint.treeSize);
        inclusions.push({ position: e.position, leafIndex, proof: path });
      }
      const timestamps = [];
      for (const e of proof.events) {
        const stamped = await this.logs.log.timestampedInclusion(BigInt(e.position));
        if (stamped) timestamps.push({ position: e.position, ...stamped });
      }
      const publicKey = this.logs.setup.suite.name === 'sha256-ed25519' ? {} : { publicKey: this.logs.setup.publicKeyText };
      return { ...proof, log: { checkpoint, inclusions, ...publicKey, ...(timestamps.length ? { timestamps } : {}) } };
    } catch (e) {
      if (e instanceof LedgerBrokenError) throw new ApiProblem(409, e.code, e.message, { firstBreak: e.firstBreak });
      throw e;
    }
  }
}
