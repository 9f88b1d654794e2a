import type { MigrationInterface } from 'typeorm';
import { InitialReadModels1764300000000 } from './1764300000000-initial-read-models';
import { TemporalReadModels1764400000000 } from './1764400000000-temporal-read-models';
import { ItemListIndexes1764500000000 } from './1764500000000-item-list-indexes';
import { TemporalSnapshots1764600000000 } from './1764600000000-temporal-snapshots';
import { PackedCounters1764700000000 } from './1764700000000-packed-counters';
import { TemporalListByEnd1764800000000 } from './1764800000000-temporal-list-by-end';
import { ItemListCoveringIndexes1764900000000 } from './1764900000000-item-list-covering-indexes';
import { ItemLiveDecisions1765000000000 } from './1765000000000-item-live-decisions';
import { TemporalEpochsByEvents1765100000000 } from './1765100000000-temporal-epochs-by-events';
import { Accounts1765300000000 } from './1765300000000-accounts';
import { Notifications1765400000000 } from './1765400000000-notifications';
import { NotificationsRetention1765450000000 } from './1765450000000-notifications-retention';
import { TemporalUnitIndexes1765520000000 } from './1765520000000-temporal-unit-indexes';
import { UnitPathBytes1765530000000 } from './1765530000000-unit-path-bytes';
import { CounterSnapshotEpoch1765540000000 } from './1765540000000-counter-snapshot-epoch';
import { CounterSnapshotDeltas1765550000000 } from './1765550000000-counter-snapshot-deltas';

/**
 * Every read-model migration, in timestamp order; TypeORM runs the pending ones on open. Listed, not
 * globbed from the folder: a build that compiles only what its entry points import (the tests' scratch
 * builds) or a stale compiled file left in dist/ must not change which migrations run.
 * index.spec.ts fails when a file of this folder is missing here.
 */
export const READ_MODEL_MIGRATIONS: Array<new () => MigrationInterface> = [
  InitialReadModels1764300000000,
  TemporalReadModels1764400000000,
  ItemListIndexes1764500000000,
  TemporalSnapshots1764600000000,
  PackedCounters1764700000000,
  TemporalListByEnd1764800000000,
  ItemListCoveringIndexes1764900000000,
  ItemLiveDecisions1765000000000,
  TemporalEpochsByEvents1765100000000,
  Accounts1765300000000,
  Notifications1765400000000,
  NotificationsRetention1765450000000,
  TemporalUnitIndexes1765520000000,
  UnitPathBytes1765530000000,
  CounterSnapshotEpoch1765540000000,
  CounterSnapshotDeltas1765550000000,
];
