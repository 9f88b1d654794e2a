import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { MoveUnitDto } from '@ledger/contracts';
import type { CommandMeta } from '../../command-path/command-meta';
import type { CommandResult } from '../../command-path/command-path.service';
import { Facts } from '../../command-path/facts.service';
import { UnitCommands } from '../unit-commands.service';

/** 隶属关系调整: a unit moves under another live parent, never under itself or its own subtree. */
export class MoveUnitCommand {
  constructor(readonly unitId: string, readonly body: MoveUnitDto, readonly meta: CommandMeta) {}
}

@CommandHandler(MoveUnitCommand)
export class MoveUnitHandler implements ICommandHandler<MoveUnitCommand, CommandResult> {
  constructor(private readonly units: UnitCommands, private readonly facts: Facts) {}

  execute({ unitId, body, meta }: MoveUnitCommand): Promise<CommandResult> {
    return this.units.run('existing', unitId, meta, async (_, context) => ({
      type: 'MoveUnit',
      context,
      data: { unitId, parentId: body.parentId },
      facts: {
        parent: await this.facts.unit(body.parentId),
        newParentIsSelfOrDescendant: await this.facts.isSelfOrDescendant(body.parentId, unitId),
      },
    }));
  }
}
