import { Injectable } from '@nestjs/common';
import { unitDecider, unitStream, type UnitCommand, type UnitState } from '@ledger/domain';
import type { CommandContext } from '@ledger/domain';
import type { CommandMeta } from '../command-path/command-meta';
import { CommandPath, type CommandResult, type StreamCommand } from '../command-path/command-path.service';

/** Commands on the unit stream (`unit-<id>`). */
@Injectable()
export class UnitCommands {
  constructor(readonly path: CommandPath) {}

  run(
    mode: 'create' | 'existing',
    unitId: string,
    meta: CommandMeta,
    build: (state: UnitState, context: CommandContext) => Promise<UnitCommand> | UnitCommand,
    claim?: StreamCommand<UnitCommand, UnitState>['claim'],
  ): Promise<CommandResult> {
    return this.path.execute(
      {
        stream: unitStream(unitId),
        decider: unitDecider,
        mode,
        id: unitId,
        notFound: { code: 'UNIT_NOT_FOUND', message: `unit ${unitId} does not exist` },
        build: (folded, context) => build(folded.state, context),
        claim,
      },
      meta,
      'unit',
    );
  }
}
