import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandLoop, Facts, handleCommand, itemCommand, type CommandMeta } from '@ledger/application';
import { answer, type CommandResult } from '../../problem-details/command-outcome';
import type { GrantExtensionDto } from '@ledger/contracts';

/** 批准延期. */
export class GrantExtensionCommand {
  constructor(
    readonly itemId: string,
    readonly body: GrantExtensionDto,
    readonly meta: CommandMeta,
  ) {}
}

@CommandHandler(GrantExtensionCommand)
export class GrantExtensionHandler implements ICommandHandler<GrantExtensionCommand, CommandResult> {
  constructor(
    private readonly loop: CommandLoop,
    private readonly facts: Facts,
  ) {}

  execute(c: GrantExtensionCommand): Promise<CommandResult> {
    return handleCommand(
      this.loop,
      itemCommand(this.facts, 'GrantExtension', c.itemId, { note: c.body.note ?? null }, c.meta, {
        // A second or later grant is checked against whoever granted the one before (never the same person).
        facts: async (state) => ({
          previousApprover: state.status !== 'unassigned' && state.extensionsGranted > 0 ? await this.facts.lastExtensionApprover(c.itemId) : null,
        }),
      }),
      c.meta,
    ).then(answer);
  }
}
