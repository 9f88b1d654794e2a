import { Module } from '@nestjs/common';

/** The query routes of API.md (read models). Owned by the read-models work; the app module imports it. */
@Module({})
export class QueriesModule {}
