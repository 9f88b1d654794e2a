import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { RenameUnitDto } from '@ledger/contracts';
import type { CommandMeta } from '../../command-path/command-meta';
import type { CommandResult } from '../../command-path/command-path.service';
import { UnitCommands } from '../unit-commands.service';

/** 组织更名: history keeps the old name on the events recorded before. */
export class RenameUnitCommand {
  constructor(readonly unitId: string, readonly body: RenameUnitDto, readonly meta: CommandMeta) {}
}

@CommandHandler(RenameUnitCommand)
export class RenameUnitHandler implements ICommandHandler<RenameUnitCommand, CommandResult> {
  constructor(private readonly units: UnitCommands) {}

  execute({ unitId, body, meta }: RenameUnitCommand): Promise<CommandResult> {
    return this.units.run('existing', unitId, meta, (_, context) => ({ type: 'RenameUnit', context, data: { unitId, name: body.name } }));
  }
}
