import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandLoop, Facts, handleCommand, itemCommand, type CommandMeta } from '@ledger/application';
import { answer, type CommandResult } from '../../problem-details/command-outcome';
import type { ConcludeItemDto } from '@ledger/contracts';

/** 办结: a reviewer accepts the reported result. */
export class ConcludeItemCommand {
  constructor(
    readonly itemId: string,
    readonly body: ConcludeItemDto,
    readonly meta: CommandMeta,
  ) {}
}

@CommandHandler(ConcludeItemCommand)
export class ConcludeItemHandler implements ICommandHandler<ConcludeItemCommand, CommandResult> {
  constructor(
    private readonly loop: CommandLoop,
    private readonly facts: Facts,
  ) {}

  execute(c: ConcludeItemCommand): Promise<CommandResult> {
    return handleCommand(this.loop, itemCommand(this.facts, 'ConcludeItem', c.itemId, { note: c.body.note ?? null }, c.meta), c.meta).then(answer);
  }
}
