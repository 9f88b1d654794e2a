import { SetMetadata } from '@nestjs/common';
import type { UserRole } from '@ledger/contracts/events';

export const ROLES_KEY = 'ledger:roles';
/** Who may call the route (API.md's "who" column); the deciders check again, with scope. */
export const Roles = (...roles: UserRole[]): MethodDecorator & ClassDecorator => SetMetadata(ROLES_KEY, roles);
