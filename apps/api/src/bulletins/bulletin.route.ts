import { Controller, Get, Param, Query, Res, StreamableFile } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { checkpointQrPng, printCheckpoint } from '@ledger/integrity';
import { renderBulletin, type BulletinData, type PrintedLogProof } from '@ledger/sheets-io';
import type { Response } from 'express';
import { Roles } from '../auth/roles.decorator';
import { ValidationProblem } from '../problem-details/errors';
import { ReadScope } from '../queries/shared/read-scope';
import { LogService } from '../audit/log.service';
import { BulletinFigures } from '@ledger/read-models/bulletins/figures';

const FORMATS = ['docx', 'xlsx', 'json'] as const;
type Format = (typeof FORMATS)[number];

/** 督查通报 of a month or an ISO week, for the organisation department and the inspectors. */
@ApiTags('bulletins')
@Controller('bulletins')
export class BulletinRoute {
  constructor(
    private readonly figures: BulletinFigures,
    private readonly scope: ReadScope,
    private readonly logs: LogService,
  ) {}

  @Get(':period')
  @Roles('org_dept', 'inspector')
  @ApiOperation({
    summary:
      '督查通报 of a month (YYYY-MM) or an ISO-8601 week (YYYY-Www, Monday to Sunday in county time) as .docx (default), .xlsx or JSON, every figure read at one checkpoint (asOf, position) stated at its foot',
  })
  async bulletin(
    @Param('period') period: string,
    @Query('format') format: string | undefined,
    @Query('minPosition') minPosition: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<BulletinData | StreamableFile> {
    const f = (format ?? 'docx') as Format;
    if (!FORMATS.includes(f)) throw new ValidationProblem([{ field: 'format', messages: ['format must be docx, xlsx or json'] }]);
    if (minPosition !== undefined && !/^\d{1,19}$/.test(minPosition))
      throw new ValidationProblem([{ field: 'minPosition', messages: ['minPosition must be a log position'] }]);
    await this.scope.consistent(minPosition);
    const data = await this.figures.gather(period);
    res.setHeader('X-Ledger-As-Of', data.asOf);
    res.setHeader('X-Ledger-Position', data.position);
    if (f === 'json') return data;
    const file = await renderBulletin(data, f, await this.printedProof());
    res.setHeader('Content-Type', file.contentType);
    res.setHeader('Content-Disposition', file.contentDisposition);
    return new StreamableFile(file.body);
  }

  /**
   * The log's newest checkpoint, for the foot: it is issued after the bulletin's cut, so its tree holds every
   * event the figures were read from; a reader later checks it against the ledger of that day (核验检查点).
   */
  private async printedProof(): Promise<PrintedLogProof | undefined> {
    const cp = await this.logs.log.checkpoint();
    if (!cp) return undefined;
    const printed = printCheckpoint(cp);
    return { text: printed.text, qrPng: await checkpointQrPng(printed.payload, 4) };
  }
}
