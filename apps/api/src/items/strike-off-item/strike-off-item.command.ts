import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandLoop, Facts, handleCommand, itemCommand, type CommandMeta } from '@ledger/application';
import { answer, type CommandResult } from '../../problem-details/command-outcome';
import type { StrikeOffItemDto } from '@ledger/contracts';

/** 销号: verified and struck off the list. */
export class StrikeOffItemCommand {
  constructor(
    readonly itemId: string,
    readonly body: StrikeOffItemDto,
    readonly meta: CommandMeta,
  ) {}
}

@CommandHandler(StrikeOffItemCommand)
export class StrikeOffItemHandler implements ICommandHandler<StrikeOffItemCommand, CommandResult> {
  constructor(
    private readonly loop: CommandLoop,
    private readonly facts: Facts,
  ) {}

  execute(c: StrikeOffItemCommand): Promise<CommandResult> {
    return handleCommand(this.loop, itemCommand(this.facts, 'StrikeOffItem', c.itemId, { note: c.body.note ?? null }, c.meta), c.meta).then(answer);
  }
}
