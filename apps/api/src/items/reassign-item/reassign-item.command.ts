import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandLoop, Facts, handleCommand, itemCommand, type CommandMeta } from '@ledger/application';
import { answer, type CommandResult } from '../../problem-details/command-outcome';
import type { ReassignItemDto } from '@ledger/contracts';

/** 调整承办: a new handling unit and/or responsible cadre. */
export class ReassignItemCommand {
  constructor(
    readonly itemId: string,
    readonly body: ReassignItemDto,
    readonly meta: CommandMeta,
  ) {}
}

@CommandHandler(ReassignItemCommand)
export class ReassignItemHandler implements ICommandHandler<ReassignItemCommand, CommandResult> {
  constructor(
    private readonly loop: CommandLoop,
    private readonly facts: Facts,
  ) {}

  execute(c: ReassignItemCommand): Promise<CommandResult> {
    return handleCommand(
      this.loop,
      itemCommand(this.facts, 'ReassignItem', c.itemId, { unitId: c.body.unitId ?? null, cadreId: c.body.cadreId ?? null, reason: c.body.reason }, c.meta, {
        facts: async () => ({
          ...(c.body.unitId ? { unit: await this.facts.unit(c.body.unitId) } : {}),
          ...(c.body.cadreId ? { cadre: await this.facts.cadre(c.body.cadreId) } : {}),
        }),
      }),
      c.meta,
    ).then(answer);
  }
}
