import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandLoop, Facts, handleCommand, itemCommand, type CommandMeta } from '@ledger/application';
import { answer, type CommandResult } from '../../problem-details/command-outcome';
import type { UrgeItemDto } from '@ledger/contracts';

/** 督促 (提醒 / 催办 / 督办 / 挂牌督办); independent of other writes, so a conflict is retried. */
export class UrgeItemCommand {
  constructor(
    readonly itemId: string,
    readonly body: UrgeItemDto,
    readonly meta: CommandMeta,
  ) {}
}

@CommandHandler(UrgeItemCommand)
export class UrgeItemHandler implements ICommandHandler<UrgeItemCommand, CommandResult> {
  constructor(
    private readonly loop: CommandLoop,
    private readonly facts: Facts,
  ) {}

  execute(c: UrgeItemCommand): Promise<CommandResult> {
    return handleCommand(
      this.loop,
      itemCommand(this.facts, 'UrgeItem', c.itemId, { level: c.body.level, channel: c.body.channel ?? null, note: c.body.note ?? null }, c.meta, {
        retryOnConflict: true,
      }),
      c.meta,
    ).then(answer);
  }
}
