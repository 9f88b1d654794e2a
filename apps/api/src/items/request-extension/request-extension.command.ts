import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandLoop, Facts, handleCommand, itemCommand, type CommandMeta } from '@ledger/application';
import { answer, type CommandResult } from '../../problem-details/command-outcome';
import type { RequestExtensionDto } from '@ledger/contracts';

/** 申请延期: before the due date in force. */
export class RequestExtensionCommand {
  constructor(
    readonly itemId: string,
    readonly body: RequestExtensionDto,
    readonly meta: CommandMeta,
  ) {}
}

@CommandHandler(RequestExtensionCommand)
export class RequestExtensionHandler implements ICommandHandler<RequestExtensionCommand, CommandResult> {
  constructor(
    private readonly loop: CommandLoop,
    private readonly facts: Facts,
  ) {}

  execute(c: RequestExtensionCommand): Promise<CommandResult> {
    return handleCommand(
      this.loop,
      itemCommand(this.facts, 'RequestExtension', c.itemId, { newDueDate: c.body.newDueDate, reason: c.body.reason }, c.meta),
      c.meta,
    ).then(answer);
  }
}
