import { Controller, Get, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ReadQueryDto } from '@ledger/contracts';
import type { SheetView } from '@ledger/read-models';
import { ListSheetsQuery } from './list-sheets.query';

@ApiTags('sheets')
@Controller('sheets')
export class ListSheetsRoute {
  constructor(private readonly bus: QueryBus) {}

  @Get()
  @ApiOperation({ summary: '交办单 the assignment sheets, newest first: [{ id, number, title, source, issuedOn }]' })
  listSheets(@Query() query: ReadQueryDto): Promise<SheetView[]> {
    return this.bus.execute(new ListSheetsQuery(query.minPosition));
  }
}
