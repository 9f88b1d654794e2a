import { Injectable } from '@nestjs/common';
import type { CommandOutcome } from '@ledger/application';
import { Counter, Registry } from 'prom-client';

/** The command side's Prometheus counters, in the app's own registry (one per app instance). */
@Injectable()
export class CommandMetrics {
  private readonly appendedEvents: Counter<'command'>;
  private readonly commands: Counter<'command' | 'outcome'>;
  private readonly rejections: Counter<'command' | 'code'>;

  constructor(readonly registry: Registry) {
    this.appendedEvents = new Counter({
      name: 'ledger_events_appended_total',
      help: 'events appended by commands',
      labelNames: ['command'],
      registers: [registry],
    });
    this.commands = new Counter({
      name: 'ledger_commands_total',
      help: 'commands handled, by outcome',
      labelNames: ['command', 'outcome'],
      registers: [registry],
    });
    this.rejections = new Counter({
      name: 'ledger_command_rejections_total',
      help: 'domain rejections by code',
      labelNames: ['command', 'code'],
      registers: [registry],
    });
  }

  /** Counts an outcome of handleCommand (replayed, not found and stale revisions are not counted, as before). */
  record(command: string, outcome: CommandOutcome): void {
    if (outcome.kind === 'appended') this.appended(command, outcome.events);
    else if (outcome.kind === 'rejected') this.rejected(command, outcome.rejection.code);
    else if (outcome.kind === 'conflict') this.conflict(command);
  }

  appended(command: string, events: number): void {
    this.commands.inc({ command, outcome: 'appended' });
    this.appendedEvents.inc({ command }, events);
  }
  rejected(command: string, code: string): void {
    this.commands.inc({ command, outcome: 'rejected' });
    this.rejections.inc({ command, code });
  }
  conflict(command: string): void {
    this.commands.inc({ command, outcome: 'conflict' });
  }
}
