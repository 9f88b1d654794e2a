import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { RenameUnitDto } from '@ledger/contracts';
import { CommandLoop, handleCommand, unitTarget, type CommandMeta } from '@ledger/application';
import { answer, type CommandResult } from '../../problem-details/command-outcome';

/** 组织更名: history keeps the old name on the events recorded before. */
export class RenameUnitCommand {
  constructor(
    readonly unitId: string,
    readonly body: RenameUnitDto,
    readonly meta: CommandMeta,
  ) {}
}

@CommandHandler(RenameUnitCommand)
export class RenameUnitHandler implements ICommandHandler<RenameUnitCommand, CommandResult> {
  constructor(private readonly loop: CommandLoop) {}

  execute({ unitId, body, meta }: RenameUnitCommand): Promise<CommandResult> {
    return handleCommand(
      this.loop,
      {
        ...unitTarget(unitId, 'existing'),
        build: (_, context) => ({ type: 'RenameUnit' as const, context, data: { unitId, name: body.name } }),
      },
      meta,
    ).then(answer);
  }
}
