import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandLoop, Facts, handleCommand, itemCommand, type CommandMeta } from '@ledger/application';
import { answer, type CommandResult } from '../../problem-details/command-outcome';
import type { AcknowledgeItemDto } from '@ledger/contracts';

/** 签收 acknowledge: the handling unit takes the item on. */
export class AcknowledgeItemCommand {
  constructor(
    readonly itemId: string,
    readonly body: AcknowledgeItemDto,
    readonly meta: CommandMeta,
  ) {}
}

@CommandHandler(AcknowledgeItemCommand)
export class AcknowledgeItemHandler implements ICommandHandler<AcknowledgeItemCommand, CommandResult> {
  constructor(
    private readonly loop: CommandLoop,
    private readonly facts: Facts,
  ) {}

  execute(c: AcknowledgeItemCommand): Promise<CommandResult> {
    return handleCommand(this.loop, itemCommand(this.facts, 'AcknowledgeItem', c.itemId, {}, c.meta), c.meta).then(answer);
  }
}
