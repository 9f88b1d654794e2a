import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandLoop, Facts, handleCommand, itemCommand, type CommandMeta } from '@ledger/application';
import { answer, type CommandResult } from '../../problem-details/command-outcome';
import type { ReturnItemDto } from '@ledger/contracts';

/** 退回: a reviewer sends a reported result back. */
export class ReturnCompletionCommand {
  constructor(
    readonly itemId: string,
    readonly body: ReturnItemDto,
    readonly meta: CommandMeta,
  ) {}
}

@CommandHandler(ReturnCompletionCommand)
export class ReturnCompletionHandler implements ICommandHandler<ReturnCompletionCommand, CommandResult> {
  constructor(
    private readonly loop: CommandLoop,
    private readonly facts: Facts,
  ) {}

  execute(c: ReturnCompletionCommand): Promise<CommandResult> {
    return handleCommand(this.loop, itemCommand(this.facts, 'ReturnCompletion', c.itemId, { reason: c.body.reason }, c.meta), c.meta).then(answer);
  }
}
