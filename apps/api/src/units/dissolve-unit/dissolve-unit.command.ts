import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { DissolveUnitDto } from '@ledger/contracts';
import { CommandLoop, Facts, handleCommand, unitTarget, type CommandMeta } from '@ledger/application';
import { answer, type CommandResult } from '../../problem-details/command-outcome';

/** 组织撤销: only a unit without live children and without open items. */
export class DissolveUnitCommand {
  constructor(
    readonly unitId: string,
    readonly body: DissolveUnitDto,
    readonly meta: CommandMeta,
  ) {}
}

@CommandHandler(DissolveUnitCommand)
export class DissolveUnitHandler implements ICommandHandler<DissolveUnitCommand, CommandResult> {
  constructor(
    private readonly loop: CommandLoop,
    private readonly facts: Facts,
  ) {}

  execute({ unitId, body, meta }: DissolveUnitCommand): Promise<CommandResult> {
    return handleCommand(
      this.loop,
      {
        ...unitTarget(unitId, 'existing'),
        build: async (_, context) => ({
          type: 'DissolveUnit' as const,
          context,
          data: { unitId, reason: body.reason },
          facts: { liveChildren: await this.facts.liveChildren(unitId), openItems: await this.facts.openItems(unitId) },
        }),
      },
      meta,
    ).then(answer);
  }
}
