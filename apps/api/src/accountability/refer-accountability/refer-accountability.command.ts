import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandLoop, Facts, handleCommand, itemCommand, type CommandMeta } from '@ledger/application';
import { answer, type CommandResult } from '../../problem-details/command-outcome';
import type { ReferAccountabilityDto } from '@ledger/contracts';

/** 移送问责: refer a cadre or unit to the discipline commission or the organisation department. */
export class ReferAccountabilityCommand {
  constructor(
    readonly itemId: string,
    readonly body: ReferAccountabilityDto,
    readonly meta: CommandMeta,
  ) {}
}

@CommandHandler(ReferAccountabilityCommand)
export class ReferAccountabilityHandler implements ICommandHandler<ReferAccountabilityCommand, CommandResult> {
  constructor(
    private readonly loop: CommandLoop,
    private readonly facts: Facts,
  ) {}

  execute(c: ReferAccountabilityCommand): Promise<CommandResult> {
    return handleCommand(
      this.loop,
      itemCommand(
        this.facts,
        'ReferAccountability',
        c.itemId,
        { target: { kind: c.body.target.kind, id: c.body.target.id }, to: c.body.to, note: c.body.note ?? null },
        c.meta,
        {
          facts: async () => ({ targetExists: await this.facts.targetExists(c.body.target) }),
        },
      ),
      c.meta,
    ).then(answer);
  }
}
