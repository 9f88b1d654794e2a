import { STREAM_PREFIX, type EventOf } from '@ledger/contracts/events';
import type { CommandContext, Decider, Decision } from '../shared/decider';
import { present, reasonGiven, roleMayAct, unreachable, type UnitFacts, type Verdict } from '../shared/policies';
import { deny } from '../shared/rejections';

export type CadreEvent = EventOf<'CadreRegistered' | 'CadreTransferred' | 'CadreLeft'>;

export const cadreStream = (cadreId: string): string => STREAM_PREFIX.cadre + cadreId;

// ── commands ────────────────────────────────────────────────────────────────────────────────────
export interface RegisterCadre {
  type: 'RegisterCadre';
  context: CommandContext;
  data: { cadreId: string; name: string; unitId: string; post: string };
  facts: { unit: UnitFacts };
}
export interface TransferCadre {
  type: 'TransferCadre';
  context: CommandContext;
  /** Without `post` the cadre keeps the current one. */
  data: { cadreId: string; unitId: string; post?: string | null };
  facts: { unit: UnitFacts };
}
export interface LeaveCadre {
  type: 'LeaveCadre';
  context: CommandContext;
  data: { cadreId: string; reason: string };
}
export type CadreCommand = RegisterCadre | TransferCadre | LeaveCadre;
export const CADRE_COMMAND_TYPES = ['RegisterCadre', 'TransferCadre', 'LeaveCadre'] as const;

// ── state ───────────────────────────────────────────────────────────────────────────────────────
interface CadreRecord {
  cadreId: string;
  name: string;
  unitId: string;
  post: string;
}
export type CadreState = { status: 'unregistered' } | (CadreRecord & { status: 'active' }) | (CadreRecord & { status: 'left'; reason: string });

export const initialCadreState = (): CadreState => ({ status: 'unregistered' });

// ── policies ────────────────────────────────────────────────────────────────────────────────────
const CADRE_MANAGERS = ['admin', 'sysadmin', 'org_dept'] as const;

/** A cadre belongs to a unit that exists and has not been dissolved. */
function liveUnitPolicy(unitId: string, unit: UnitFacts | undefined): Verdict {
  if (!unit?.exists) return deny('UNIT_NOT_FOUND', { unitId });
  if (unit.dissolved) return deny('UNIT_DISSOLVED', { unitId });
  return undefined;
}

function activeCadre(state: CadreState): Verdict {
  if (state.status === 'unregistered') return deny('CADRE_NOT_FOUND');
  if (state.status === 'left') return deny('CADRE_HAS_LEFT', { cadreId: state.cadreId });
  return undefined;
}

// ── decide / evolve ─────────────────────────────────────────────────────────────────────────────
export function decideCadre(command: CadreCommand, state: CadreState): Decision<CadreEvent> {
  const who = roleMayAct(command.context, CADRE_MANAGERS);
  if (who) return who;
  switch (command.type) {
    case 'RegisterCadre': {
      const { cadreId, name, unitId, post } = command.data;
      return (
        (state.status !== 'unregistered' ? deny('CADRE_ALREADY_EXISTS', { cadreId }) : undefined) ??
        (present(name) ? undefined : deny('NAME_REQUIRED')) ??
        (present(post) ? undefined : deny('POST_REQUIRED')) ??
        liveUnitPolicy(unitId, command.facts?.unit) ?? [{ type: 'CadreRegistered', data: { cadreId, name: name.trim(), unitId, post: post.trim() } }]
      );
    }
    case 'TransferCadre': {
      if (state.status !== 'active') return activeCadre(state)!;
      const { unitId } = command.data;
      const post = present(command.data.post) ? command.data.post!.trim() : state.post;
      return (
        (unitId === state.unitId && post === state.post ? deny('TRANSFER_CHANGES_NOTHING') : undefined) ??
        liveUnitPolicy(unitId, command.facts?.unit) ?? [
          {
            type: 'CadreTransferred',
            data: { cadreId: state.cadreId, unitId, post, previousUnitId: state.unitId, previousPost: state.post },
          },
        ]
      );
    }
    case 'LeaveCadre':
      if (state.status !== 'active') return activeCadre(state)!;
      return reasonGiven(command.data.reason) ?? [{ type: 'CadreLeft', data: { cadreId: state.cadreId, reason: command.data.reason } }];
    default:
      return unreachable(command);
  }
}

export function evolveCadre(state: CadreState, event: CadreEvent): CadreState {
  switch (event.type) {
    case 'CadreRegistered':
      return { status: 'active', ...event.data };
    case 'CadreTransferred':
      return state.status === 'unregistered' ? state : { ...state, unitId: event.data.unitId, post: event.data.post };
    case 'CadreLeft':
      return state.status === 'unregistered' ? state : { ...state, status: 'left', reason: event.data.reason };
    default:
      return state;
  }
}

export const cadreDecider: Decider<CadreCommand, CadreState, CadreEvent> = {
  initialState: initialCadreState,
  decide: decideCadre,
  evolve: evolveCadre,
};
