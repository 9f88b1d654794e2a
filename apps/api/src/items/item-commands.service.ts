import { Injectable } from '@nestjs/common';
import {
  itemDecider, itemStream, type ItemCommand, type ItemState,
} from '@ledger/domain';
import type { CommandContext } from '@ledger/domain';
import type { CommandMeta } from '../command-path/command-meta';
import { CommandPath, type CommandResult, type Folded } from '../command-path/command-path.service';
import { Facts } from '../command-path/facts.service';

type Existing<T extends ItemCommand['type']> = Extract<ItemCommand, { type: T }>;

export interface ItemCommandOptions<T extends ItemCommand['type']> {
  /** Facts besides scope, resolved from the folded item (e.g. the new unit of a reassignment). */
  facts?: (state: ItemState, context: CommandContext) => Promise<Omit<NonNullable<Existing<T>['facts']>, 'inActorScope'>>;
  retryOnConflict?: boolean;
  /** The id answered to the client; the item id by default. */
  answerId?: string;
}

/** Every command on an existing item: 404 for an unknown item, If-Match honoured, scope resolved. */
@Injectable()
export class ItemCommands {
  constructor(
    private readonly path: CommandPath,
    private readonly facts: Facts,
  ) {}

  newId(meta: CommandMeta, purpose: string): string {
    return this.path.newId(meta, purpose);
  }

  run<T extends Exclude<ItemCommand['type'], 'AssignItem'>>(
    type: T,
    itemId: string,
    data: Omit<Existing<T>['data'], 'itemId'>,
    meta: CommandMeta,
    options: ItemCommandOptions<T> = {},
  ): Promise<CommandResult> {
    return this.path.execute(
      {
        stream: itemStream(itemId),
        decider: itemDecider,
        mode: 'existing',
        id: options.answerId ?? itemId,
        notFound: { code: 'ITEM_NOT_FOUND', message: `item ${itemId} does not exist` },
        honourIfMatch: true,
        retryOnConflict: options.retryOnConflict,
        build: async (folded: Folded<ItemState>, context) => {
          const state = folded.state;
          const unitId = state.status === 'unassigned' ? null : state.unitId;
          const inActorScope = unitId === null ? false : await this.facts.inActorScope(meta.actor, unitId);
          const extra = options.facts ? await options.facts(state, context) : {};
          return { type, context, data: { itemId, ...data }, facts: { ...extra, inActorScope } } as unknown as ItemCommand;
        },
      },
      meta,
      type,
    );
  }
}
