import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { ReportProgressDto } from '@ledger/contracts';
import type { CommandMeta } from '../../command-path/command-meta';
import type { CommandResult } from '../../command-path/command-path.service';
import { ItemCommands } from '../../items/item-commands.service';
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
    private readonly items: ItemCommands,
    private readonly evidence: EvidenceLinker,
  ) {}

  async execute(c: ReportProgressCommand): Promise<CommandResult> {
    return this.items.run('ReportProgress', c.itemId, { note: c.body.note, evidence: await this.evidence.link(c.body.evidence) }, c.meta, {
        retryOnConflict: true,
      });
  }
}
