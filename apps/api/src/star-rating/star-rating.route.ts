import { Controller, Get, Inject, Query, Res, StreamableFile } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '@ledger/contracts/events';
import { countyDate, type Clock } from '@ledger/platform';
import { ReadQueries } from '@ledger/read-models';
import { starRating, type StarRatingRow, type StarRatingRules } from '@ledger/read-models/star-rating';
import { writeTable, type Column } from '@ledger/sheets-io/export/table';
import type { Response } from 'express';
import type { DataSource } from 'typeorm';
import { CurrentActor } from '../auth/current-actor.decorator';
import { Roles } from '../auth/roles.decorator';
import { CLOCK } from '../platform/tokens';
import { ApiProblem, NotFoundProblem, ValidationProblem } from '../problem-details/errors';
import { StarRatingQueryDto } from './star-rating.dto';

export const STAR_RATING_DS = Symbol('STAR_RATING_DS');
export const STAR_RATING_RULES = Symbol('STAR_RATING_RULES');

export interface StarRatingAnswer {
  from: string;
  to: string;
  unitId: string;
  rules: StarRatingRules;
  rows: StarRatingRow[];
}

const COLUMNS: Column<StarRatingRow>[] = [
  { header: '排名', kind: 'integer', value: (_, i) => i + 1 },
  { header: '党组织', kind: 'text', value: (r) => r.name },
  { header: '所属党委', kind: 'text', value: (r) => r.parentName },
  { header: '到期事项', kind: 'integer', value: (r) => r.dueItems },
  { header: '按期办结', kind: 'integer', value: (r) => r.onTimeItems },
  { header: '按期办结率', kind: 'percent', value: (r) => r.onTimeRate },
  { header: '逾期次数', kind: 'integer', value: (r) => r.deadlinesMissed },
  { header: '退回次数', kind: 'integer', value: (r) => r.returns },
  { header: '问责决定', kind: 'integer', value: (r) => r.accountabilityDecisions },
  { header: '得分', kind: 'text', value: (r) => r.score.toFixed(1) },
  { header: '星级', kind: 'text', value: (r) => '★'.repeat(r.stars) },
];

/** 星级化考核: each village/community branch's score for a period, from the ledger. */
@ApiTags('star-rating')
@Controller('star-rating')
export class StarRatingRoute {
  constructor(
    private readonly queries: ReadQueries,
    @Inject(STAR_RATING_DS) private readonly readModels: DataSource,
    @Inject(STAR_RATING_RULES) private readonly rules: StarRatingRules,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get()
  @Roles('org_dept', 'discipline', 'inspector', 'unit')
  @ApiOperation({
    summary:
      '星级化考核: { from, to, unitId, rules, rows: [{ unitId, name, parentName, dueItems, onTimeItems, onTimeRate, deadlinesMissed, returns, accountabilityDecisions, score, stars, deductions }] }, best first; format=csv|xlsx',
  })
  async rating(
    @Query() query: StarRatingQueryDto,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) res: Response,
  ): Promise<StarRatingAnswer | StreamableFile> {
    if (query.from > query.to) throw new ValidationProblem([{ field: 'to', messages: ['to must not be before from'] }]);
    if (query.minPosition) await this.queries.ensurePosition(BigInt(query.minPosition), 5000);
    const unitId = await this.root(actor, query.unitId);
    const rows = await starRating(this.readModels, { from: query.from, to: query.to, rootUnitId: unitId, today: countyDate(this.clock.now()) }, this.rules);
    if (!rows) throw new NotFoundProblem('UNIT_NOT_FOUND', `no unit ${unitId}`);
    if (query.format) {
      const file = await writeTable(
        { sheetName: '星级化考核', fileName: `星级化考核_${query.from}_${query.to}`, asciiFileName: `star-rating_${query.from}_${query.to}`, columns: COLUMNS },
        rows,
        query.format,
      );
      res.setHeader('Content-Type', file.contentType);
      res.setHeader('Content-Disposition', file.contentDisposition);
      return new StreamableFile(file.body);
    }
    return { from: query.from, to: query.to, unitId, rules: this.rules, rows };
  }

  /** The subtree rated: the one asked for (inside a unit user's own), else the user's unit or the county. */
  private async root(actor: Actor, asked: string | undefined): Promise<string> {
    if (actor.role === 'unit') {
      if (!actor.unitId) throw new ApiProblem(403, 'OUT_OF_SCOPE', 'this unit token names no unit');
      if (!asked) return actor.unitId;
      if (!(await this.queries.unit(asked))) throw new NotFoundProblem('UNIT_NOT_FOUND', `no unit ${asked}`);
      if (!(await this.queries.isInSubtree(asked, actor.unitId)))
        throw new ApiProblem(403, 'OUT_OF_SCOPE', `unit ${asked} is outside the subtree this user acts for`);
      return asked;
    }
    if (asked) return asked;
    const top = (await this.queries.units()).find((u) => u.parentId === null);
    if (!top) throw new NotFoundProblem('UNIT_NOT_FOUND', 'the organisation tree is empty');
    return top.id;
  }
}
