import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandLoop, Facts, handleCommand, itemCommand, type CommandMeta } from '@ledger/application';
import { answer, type CommandResult } from '../../problem-details/command-outcome';
import type { DecideAccountabilityDto } from '@ledger/contracts';

/** 问责决定: records a decision taken by the deciding body (the ledger never decides by itself); answers the decision id. */
export class DecideAccountabilityCommand {
  constructor(
    readonly itemId: string,
    readonly body: DecideAccountabilityDto,
    readonly meta: CommandMeta,
  ) {}
}

@CommandHandler(DecideAccountabilityCommand)
export class DecideAccountabilityHandler implements ICommandHandler<DecideAccountabilityCommand, CommandResult> {
  constructor(
    private readonly loop: CommandLoop,
    private readonly facts: Facts,
  ) {}

  execute(c: DecideAccountabilityCommand): Promise<CommandResult> {
    const decisionId = this.loop.newId(c.meta, 'decision');
    return handleCommand(
      this.loop,
      itemCommand(
        this.facts,
        'DecideAccountability',
        c.itemId,
        {
          decisionId,
          target: { kind: c.body.target.kind, id: c.body.target.id },
          form: c.body.form,
          dispositionForm: c.body.dispositionForm ?? null,
          decidedBy: c.body.decidedBy,
          decidedOn: c.body.decidedOn,
          documentNo: c.body.documentNo ?? null,
          effectMonths: c.body.effectMonths ?? null,
          reason: c.body.reason,
        },
        c.meta,
        {
          answerId: decisionId,
          facts: async () => ({ targetExists: await this.facts.targetExists(c.body.target) }),
        },
      ),
      c.meta,
    ).then(answer);
  }
}
