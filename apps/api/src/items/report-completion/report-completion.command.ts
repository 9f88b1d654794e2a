import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandLoop, Facts, handleCommand, itemCommand, type CommandMeta } from '@ledger/application';
import { answer, type CommandResult } from '../../problem-details/command-outcome';
import type { ReportCompletionDto } from '@ledger/contracts';
import { EvidenceLinker } from '../../evidence/evidence-linker.service';

/** 办结反馈: the unit reports completion ("ticks it off"). */
export class ReportCompletionCommand {
  constructor(
    readonly itemId: string,
    readonly body: ReportCompletionDto,
    readonly meta: CommandMeta,
  ) {}
}

@CommandHandler(ReportCompletionCommand)
export class ReportCompletionHandler implements ICommandHandler<ReportCompletionCommand, CommandResult> {
  constructor(
    private readonly loop: CommandLoop,
    private readonly facts: Facts,
    private readonly evidence: EvidenceLinker,
  ) {}

  async execute(c: ReportCompletionCommand): Promise<CommandResult> {
    return handleCommand(
      this.loop,
      itemCommand(this.facts, 'ReportCompletion', c.itemId, { summary: c.body.summary, evidence: await this.evidence.link(c.body.evidence) }, c.meta),
      c.meta,
    ).then(answer);
  }
}
