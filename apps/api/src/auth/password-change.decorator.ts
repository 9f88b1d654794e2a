import { SetMetadata } from '@nestjs/common';

export const BEFORE_PASSWORD_CHANGE_KEY = 'ledger:beforePasswordChange';
/**
 * A route a session signed in with an initial, reset or expired password may call: the password
 * change (and sign-out). Every other route answers 403 PASSWORD_CHANGE_REQUIRED to such a token.
 */
export const BeforePasswordChange = (): MethodDecorator & ClassDecorator => SetMetadata(BEFORE_PASSWORD_CHANGE_KEY, true);
