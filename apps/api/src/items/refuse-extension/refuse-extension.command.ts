import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandLoop, Facts, handleCommand, itemCommand, type CommandMeta } from '@ledger/application';
import { answer, type CommandResult } from '../../problem-details/command-outcome';
import type { RefuseExtensionDto } from '@ledger/contracts';

/** 不予延期. */
export class RefuseExtensionCommand {
  constructor(
    readonly itemId: string,
    readonly body: RefuseExtensionDto,
    readonly meta: CommandMeta,
  ) {}
}

@CommandHandler(RefuseExtensionCommand)
export class RefuseExtensionHandler implements ICommandHandler<RefuseExtensionCommand, CommandResult> {
  constructor(
    private readonly loop: CommandLoop,
    private readonly facts: Facts,
  ) {}

  execute(c: RefuseExtensionCommand): Promise<CommandResult> {
    return handleCommand(this.loop, itemCommand(this.facts, 'RefuseExtension', c.itemId, { reason: c.body.reason }, c.meta), c.meta).then(answer);
  }
}
