import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'ledger:isPublic';
/** A route readable without a token (health, metrics). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);
