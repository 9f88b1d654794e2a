import { SetMetadata } from '@nestjs/common';

export const EVERY_ACCOUNT_KEY = 'ledger:everyAccount';
/**
 * A route every signed-in account may call whatever its role, the audit administrator included
 * (sign-out, changing one's own password): without it (or the role in @Roles) the audit administrator
 * is refused (AuditAdminConfinementGuard).
 */
export const EveryAccount = (): MethodDecorator & ClassDecorator => SetMetadata(EVERY_ACCOUNT_KEY, true);
