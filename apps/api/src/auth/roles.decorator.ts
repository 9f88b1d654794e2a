import { SetMetadata } from '@nestjs/common';
import { ITEM_ACT_ROLES, type ItemAct, type UserRole } from '@ledger/contracts/events';

export const ROLES_KEY = 'ledger:roles';
/** Who may call the route (API.md's "who" column); the deciders check again, with scope. */
export const Roles = (...roles: UserRole[]): MethodDecorator & ClassDecorator => SetMetadata(ROLES_KEY, roles);
/**
 * Who may call an item act's route: the act's roles in the contracts' one table, which the deciders and
 * the web app use too. `system` is dropped: no token carries it (its acts come from in-process workers).
 */
export const ActRoles = (act: ItemAct): MethodDecorator & ClassDecorator => Roles(...ITEM_ACT_ROLES[act].filter((role): role is UserRole => role !== 'system'));
