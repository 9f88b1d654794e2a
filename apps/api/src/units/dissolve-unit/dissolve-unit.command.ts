import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { DissolveUnitDto } from '@ledger/contracts';
import type { CommandMeta } from '../../command-path/command-meta';
import type { CommandResult } from '../../command-path/command-path.service';
import { Facts } from '../../command-path/facts.service';
import { UnitCommands } from '../unit-commands.service';

/** 组织撤销: only a unit without live children and without open items. */
export class DissolveUnitCommand {
  constructor(readonly unitId: string, readonly body: DissolveUnitDto, readonly meta: CommandMeta) {}
}

@CommandHandler(DissolveUnitCommand)
export class DissolveUnitHandler implements ICommandHandler<DissolveUnitCommand, CommandResult> {
  constructor(private readonly units: UnitCommands, private readonly facts: Facts) {}

  execute({ unitId, body, meta }: DissolveUnitCommand): Promise<CommandResult> {
    return this.units.run('existing', unitId, meta, async (_, context) => ({
      type: 'DissolveUnit',
      context,
      data: { unitId, reason: body.reason },
      facts: { liveChildren: await this.facts.liveChildren(unitId), openItems: await this.facts.openItems(unitId) },
    }));
  }
}
