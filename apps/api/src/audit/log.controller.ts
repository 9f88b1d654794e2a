import { Body, Controller, Get, HttpCode, Post, Query, Res, StreamableFile } from '@nestjs/common';
import type { Response } from 'express';
import { ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Matches, Min } from 'class-validator';
import { ReadQueryDto } from '@ledger/contracts';
import {
  LogRequestError,
  checkpointQrPng,
  checkpointQrSvg,
  printCheckpoint,
  type Checkpoint,
  type ConsistencyAnswer,
  type InclusionAnswer,
} from '@ledger/integrity';
import { Roles } from '../auth/roles.decorator';
import { ApiProblem, ValidationProblem } from '../problem-details/errors';
import { LogService } from './log.service';
import { recordAccessAhead } from '../access-audit/access-audit.middleware';

const WHOLE = /^[1-9]\d{0,15}$/;

// minPosition (ReadQueryDto) is accepted as on every query; the log always answers from the store's head.
export class CheckpointQuery extends ReadQueryDto {
  @ApiPropertyOptional({
    enum: ['json', 'text', 'svg', 'png'],
    description: 'json (default); text: the lines printed at the foot of a 督查通报, its last line the LCP1 payload; svg or png: the QR code of that payload',
  })
  @IsOptional()
  @IsIn(['json', 'text', 'svg', 'png'])
  format?: 'json' | 'text' | 'svg' | 'png';
}

export class InclusionQuery extends ReadQueryDto {
  @ApiProperty({ description: 'the event’s log position' })
  @IsString()
  @Matches(WHOLE, { message: 'position must be a whole number ≥ 1' })
  position!: string;

  @ApiPropertyOptional({ description: 'the tree size to prove against (default: the current tree)' })
  @IsOptional()
  @IsString()
  @Matches(WHOLE, { message: 'treeSize must be a whole number ≥ 1' })
  treeSize?: string;
}

export class ConsistencyQuery extends ReadQueryDto {
  @ApiProperty()
  @IsString()
  @Matches(WHOLE, { message: 'from must be a whole number ≥ 1' })
  from!: string;

  @ApiPropertyOptional({ description: 'default: the current tree size' })
  @IsOptional()
  @IsString()
  @Matches(WHOLE, { message: 'to must be a whole number ≥ 1' })
  to?: string;
}

export class CosignatureBody {
  @ApiProperty()
  @IsInt()
  @Min(1)
  treeSize!: number;

  @ApiProperty({ description: 'hex SHA-256 of the witness key’s SPKI DER' })
  @IsString()
  @Matches(/^[0-9a-f]{64}$/)
  keyId!: string;

  @ApiProperty({ description: 'base64 signature over "ledger-witness/1\\n" + the checkpoint text' })
  @IsString()
  @Matches(/^[A-Za-z0-9+/=]{1,200}$/)
  signature!: string;

  @ApiProperty({ description: 'the witness’s public key, PEM' })
  @IsString()
  @Matches(/^-----BEGIN PUBLIC KEY-----[\s\S]{1,2000}-----END PUBLIC KEY-----\s*$/)
  publicKey!: string;
}

const LOG_ROLES = ['inspector', 'discipline', 'org_dept', 'auditadmin'] as const;

/** The verifiable log (API.md "Version 2 additions: the verifiable log"), and the witnesses' countersignatures. */
@ApiTags('log')
@Controller('log')
export class LogController {
  constructor(private readonly logs: LogService) {}

  @Get('checkpoint')
  @Roles(...LOG_ROLES)
  @ApiOperation({ summary: 'The newest signed checkpoint (tree size, RFC 9162 root, algorithm, time, signature, witnesses)' })
  async checkpoint(@Query() query: CheckpointQuery, @Res({ passthrough: true }) res: Response): Promise<Checkpoint | string | StreamableFile> {
    const cp = await this.answer(() => this.logs.log.checkpoint());
    if (!cp) throw new ApiProblem(404, 'LOG_EMPTY', 'the log holds no event yet');
    if (!query.format || query.format === 'json') return cp;
    const printed = printCheckpoint(cp);
    if (query.format === 'text') {
      res.type('text/plain; charset=utf-8');
      return `${printed.text}\n`;
    }
    if (query.format === 'svg') {
      res.type('image/svg+xml');
      return checkpointQrSvg(printed.payload);
    }
    return new StreamableFile(await checkpointQrPng(printed.payload), { type: 'image/png' });
  }

  @Get('key')
  @Roles(...LOG_ROLES)
  @ApiOperation({
    summary: 'The key checkpoints are signed with, as a verifier is given it (SPKI PEM for sha256-ed25519, 04‖x‖y hex for sm3-sm2), and its key id',
  })
  key(): { algorithm: string; keyId: string; publicKey: string } {
    const s = this.logs.setup;
    return { algorithm: s.suite.name, keyId: s.scheme.keyId(s.publicKey), publicKey: s.publicKeyText };
  }

  @Get('inclusion')
  @Roles(...LOG_ROLES)
  @ApiOperation({ summary: 'RFC 9162 §2.1.3 inclusion proof of the event at a position in the tree of treeSize' })
  inclusion(@Query() q: InclusionQuery): Promise<InclusionAnswer> {
    return this.answer(() => this.logs.log.inclusion(BigInt(q.position), q.treeSize === undefined ? undefined : Number(q.treeSize)));
  }

  @Get('consistency')
  @Roles(...LOG_ROLES)
  @ApiOperation({ summary: 'RFC 9162 §2.1.4 consistency proof: the tree of size from is a prefix of the tree of size to' })
  consistency(@Query() q: ConsistencyQuery): Promise<ConsistencyAnswer> {
    const from = Number(q.from);
    const to = q.to === undefined ? undefined : Number(q.to);
    if (to !== undefined && from > to) throw new ValidationProblem([{ field: 'from', messages: ['from must not be larger than to'] }]);
    return this.answer(() => this.logs.log.consistency(from, to));
  }

  @Post('witness')
  @HttpCode(200)
  // The audit administrator reads the log; countersigning is for the offices that run witnesses.
  @Roles('inspector', 'discipline', 'org_dept')
  @ApiOperation({
    summary: 'Stores a witness’s countersignature of an issued checkpoint (checked against the key it sends); answers the checkpoint with its witnesses',
  })
  witness(@Body() body: CosignatureBody, @Res({ passthrough: true }) res: Response): Promise<Checkpoint> {
    // A machine client's countersignature is in the access audit before it is stored: a trail that cannot record it stores nothing (503).
    return this.answer(async () => this.logs.log.addWitness(body, () => recordAccessAhead(res)));
  }

  private async answer<T>(f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      if (e instanceof LogRequestError) throw new ApiProblem(e.status, e.code, e.message);
      throw e;
    }
  }
}
