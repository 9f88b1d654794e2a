import { STREAM_PREFIX, UNIT_KINDS, type EventOf, type UnitKind } from '@ledger/contracts/events';
import type { CommandContext, Decider, Decision } from '../shared/decider';
import { present, reasonGiven, roleMayAct, unreachable, type UnitFacts, type Verdict } from '../shared/policies';
import { deny } from '../shared/rejections';

export type UnitEvent = EventOf<'UnitRegistered' | 'UnitRenamed' | 'UnitMoved' | 'UnitDissolved'>;

export const unitStream = (unitId: string): string => STREAM_PREFIX.unit + unitId;

// ── commands ────────────────────────────────────────────────────────────────────────────────────
export interface RegisterUnit {
  type: 'RegisterUnit';
  context: CommandContext;
  data: { unitId: string; name: string; kind: UnitKind; parentId: string | null };
  /** About `parentId`; null (or absent) when there is none. */
  facts: { parent: UnitFacts | null };
}
export interface RenameUnit {
  type: 'RenameUnit';
  context: CommandContext;
  data: { unitId: string; name: string };
}
export interface MoveUnit {
  type: 'MoveUnit';
  context: CommandContext;
  data: { unitId: string; parentId: string };
  facts: { parent: UnitFacts; newParentIsSelfOrDescendant: boolean };
}
export interface DissolveUnit {
  type: 'DissolveUnit';
  context: CommandContext;
  data: { unitId: string; reason: string };
  /** Counts the application read from the read models: children not dissolved, items still open. */
  facts: { liveChildren: number; openItems: number };
}
export type UnitCommand = RegisterUnit | RenameUnit | MoveUnit | DissolveUnit;
export const UNIT_COMMAND_TYPES = ['RegisterUnit', 'RenameUnit', 'MoveUnit', 'DissolveUnit'] as const;

// ── state ───────────────────────────────────────────────────────────────────────────────────────
interface UnitRecord {
  unitId: string;
  name: string;
  kind: UnitKind;
  parentId: string | null;
}
export type UnitState = { status: 'unregistered' } | (UnitRecord & { status: 'active' }) | (UnitRecord & { status: 'dissolved'; reason: string });

export const initialUnitState = (): UnitState => ({ status: 'unregistered' });

// ── policies ────────────────────────────────────────────────────────────────────────────────────
const UNIT_MANAGERS = ['admin', 'sysadmin', 'org_dept'] as const;

/** Only a county committee (one county) or a province committee (counties under it) stands at the root. */
function parentPolicy(kind: UnitKind, parentId: string | null, parent: UnitFacts | null | undefined): Verdict {
  if (parentId === null) return kind === 'county_committee' || kind === 'province_committee' ? undefined : deny('PARENT_REQUIRED', { kind });
  if (!parent?.exists) return deny('PARENT_NOT_FOUND', { parentId });
  if (parent.dissolved) return deny('PARENT_DISSOLVED', { parentId });
  return undefined;
}

function liveUnit(state: UnitState): Verdict {
  if (state.status === 'unregistered') return deny('UNIT_NOT_FOUND');
  if (state.status === 'dissolved') return deny('UNIT_DISSOLVED', { unitId: state.unitId });
  return undefined;
}

// ── decide / evolve ─────────────────────────────────────────────────────────────────────────────
export function decideUnit(command: UnitCommand, state: UnitState): Decision<UnitEvent> {
  const who = roleMayAct(command.context, UNIT_MANAGERS);
  if (who) return who;
  switch (command.type) {
    case 'RegisterUnit': {
      const { unitId, name, kind, parentId } = command.data;
      return (
        (state.status !== 'unregistered' ? deny('UNIT_ALREADY_EXISTS', { unitId }) : undefined) ??
        (present(name) ? undefined : deny('NAME_REQUIRED')) ??
        ((UNIT_KINDS as readonly string[]).includes(kind) ? undefined : deny('INVALID_UNIT_KIND', { kind })) ??
        (parentId === unitId ? deny('MOVE_WOULD_CREATE_CYCLE', { parentId }) : undefined) ??
        parentPolicy(kind, parentId ?? null, command.facts?.parent) ?? [
          { type: 'UnitRegistered', data: { unitId, name: name.trim(), kind, parentId: parentId ?? null } },
        ]
      );
    }
    case 'RenameUnit': {
      if (state.status !== 'active') return liveUnit(state)!;
      const name = command.data.name;
      return (
        (present(name) ? undefined : deny('NAME_REQUIRED')) ??
        (name.trim() === state.name ? deny('UNIT_NAME_UNCHANGED', { name: state.name }) : undefined) ?? [
          { type: 'UnitRenamed', data: { unitId: state.unitId, name: name.trim(), previousName: state.name } },
        ]
      );
    }
    case 'MoveUnit': {
      if (state.status !== 'active') return liveUnit(state)!;
      const { parentId } = command.data;
      // Missing facts fail closed: an unknown ancestry is treated as a cycle.
      const { parent, newParentIsSelfOrDescendant } = command.facts ?? {};
      return (
        (parentId === state.parentId ? deny('UNIT_PARENT_UNCHANGED', { parentId }) : undefined) ??
        (parentId === state.unitId || newParentIsSelfOrDescendant !== false ? deny('MOVE_WOULD_CREATE_CYCLE', { parentId }) : undefined) ??
        parentPolicy(state.kind, parentId, parent) ?? [{ type: 'UnitMoved', data: { unitId: state.unitId, parentId, previousParentId: state.parentId } }]
      );
    }
    case 'DissolveUnit': {
      if (state.status === 'dissolved') return deny('UNIT_ALREADY_DISSOLVED', { unitId: state.unitId });
      if (state.status !== 'active') return liveUnit(state)!;
      // Missing counts fail closed.
      const { liveChildren = 1, openItems = 1 } = command.facts ?? {};
      return (
        reasonGiven(command.data.reason) ??
        (liveChildren > 0 ? deny('UNIT_HAS_LIVE_CHILDREN', { liveChildren }) : undefined) ??
        (openItems > 0 ? deny('UNIT_HAS_OPEN_ITEMS', { openItems }) : undefined) ?? [
          { type: 'UnitDissolved', data: { unitId: state.unitId, reason: command.data.reason } },
        ]
      );
    }
    default:
      return unreachable(command);
  }
}

export function evolveUnit(state: UnitState, event: UnitEvent): UnitState {
  switch (event.type) {
    case 'UnitRegistered':
      return { status: 'active', ...event.data };
    case 'UnitRenamed':
      return state.status === 'unregistered' ? state : { ...state, name: event.data.name };
    case 'UnitMoved':
      return state.status === 'unregistered' ? state : { ...state, parentId: event.data.parentId };
    case 'UnitDissolved':
      return state.status === 'unregistered' ? state : { ...state, status: 'dissolved', reason: event.data.reason };
    default:
      return state;
  }
}

export const unitDecider: Decider<UnitCommand, UnitState, UnitEvent> = {
  initialState: initialUnitState,
  decide: decideUnit,
  evolve: evolveUnit,
};
