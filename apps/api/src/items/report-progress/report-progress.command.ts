import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandLoop, Facts, handleCommand, itemCommand, type CommandMeta } from '@ledger/application';
import { answer, type CommandResult } from '../../problem-details/command-outcome';
import type { ReportProgressDto } from '@ledger/contracts';
import { EvidenceLinker } from '../../evidence/evidence-linker.service';

/** 进展报告: a note and evidence; independent of other writes, so a conflict is retried. */
export class ReportProgressCommand {
  constructor(
    readonly itemId: string,
    readonly body: ReportProgressDto,
    readonly meta: CommandMeta,
  ) {}
}

@CommandHandler(ReportProgressCommand)
export class ReportProgressHandler implements ICommandHandler<ReportProgressCommand, CommandResult> {
  constructor(
    private readonly loop: CommandLoop,
    private readonly facts: Facts,
    private readonly evidence: EvidenceLinker,
  ) {}

  async execute(c: ReportProgressCommand): Promise<CommandResult> {
    return handleCommand(
      this.loop,
      itemCommand(this.facts, 'ReportProgress', c.itemId, { note: c.body.note, evidence: await this.evidence.link(c.body.evidence) }, c.meta, {
        retryOnConflict: true,
      }),
      c.meta,
    ).then(answer);
  }
}
