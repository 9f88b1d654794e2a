import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { RegisterCadreDto } from '@ledger/contracts';
import { cadreDecider, cadreStream } from '@ledger/domain';
import { CommandLoop, Facts, handleCommand, type CommandMeta } from '@ledger/application';
import { answer, type CommandResult } from '../../problem-details/command-outcome';

/** 干部登记: a cadre belongs to a live unit and holds a post. */
export class RegisterCadreCommand {
  constructor(
    readonly body: RegisterCadreDto,
    readonly meta: CommandMeta,
  ) {}
}

@CommandHandler(RegisterCadreCommand)
export class RegisterCadreHandler implements ICommandHandler<RegisterCadreCommand, CommandResult> {
  constructor(
    private readonly loop: CommandLoop,
    private readonly facts: Facts,
  ) {}

  execute({ body, meta }: RegisterCadreCommand): Promise<CommandResult> {
    const cadreId = body.id ?? this.loop.newId(meta);
    return handleCommand(
      this.loop,
      {
        name: 'RegisterCadre',
        stream: cadreStream(cadreId),
        decider: cadreDecider,
        mode: 'create',
        id: cadreId,
        build: async (_, context) => ({
          type: 'RegisterCadre' as const,
          context,
          data: { cadreId, name: body.name, unitId: body.unitId, post: body.post },
          facts: { unit: await this.facts.unit(body.unitId) },
        }),
      },
      meta,
    ).then(answer);
  }
}
