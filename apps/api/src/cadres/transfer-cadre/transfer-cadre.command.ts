import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { TransferCadreDto } from '@ledger/contracts';
import { cadreDecider, cadreStream } from '@ledger/domain';
import { CommandLoop, Facts, handleCommand, type CommandMeta } from '@ledger/application';
import { answer, type CommandResult } from '../../problem-details/command-outcome';

/** 干部调动: a cadre moves to another live unit, with a new post or the current one. */
export class TransferCadreCommand {
  constructor(
    readonly cadreId: string,
    readonly body: TransferCadreDto,
    readonly meta: CommandMeta,
  ) {}
}

@CommandHandler(TransferCadreCommand)
export class TransferCadreHandler implements ICommandHandler<TransferCadreCommand, CommandResult> {
  constructor(
    private readonly loop: CommandLoop,
    private readonly facts: Facts,
  ) {}

  execute({ cadreId, body, meta }: TransferCadreCommand): Promise<CommandResult> {
    return handleCommand(
      this.loop,
      {
        name: 'TransferCadre',
        stream: cadreStream(cadreId),
        decider: cadreDecider,
        mode: 'existing',
        id: cadreId,
        notFound: { code: 'CADRE_NOT_FOUND', message: `cadre ${cadreId} does not exist` },
        build: async (_, context) => ({
          type: 'TransferCadre' as const,
          context,
          data: { cadreId, unitId: body.unitId, post: body.post ?? null },
          facts: { unit: await this.facts.unit(body.unitId) },
        }),
      },
      meta,
    ).then(answer);
  }
}
