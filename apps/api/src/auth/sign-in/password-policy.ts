import type { SignInConfig } from '@ledger/platform';

/** A rule a new password breaks: the code names it, the message says it in words (zh-CN). */
export interface PolicyBreach {
  code:
    | 'PASSWORD_TOO_SHORT'
    | 'PASSWORD_TOO_LONG'
    | 'PASSWORD_TOO_FEW_CLASSES'
    | 'PASSWORD_IS_LOGIN'
    | 'PASSWORD_CONTROL_CHARACTERS'
    | 'PASSWORD_RECENTLY_USED'
    | 'PASSWORD_UNCHANGED';
  message: string;
}

export const MAX_PASSWORD_LENGTH = 128;

/** The character classes of 等保 practice: upper case, lower case, digits, anything else. */
export function characterClasses(password: string): number {
  return [/\p{Lu}/u, /\p{Ll}/u, /\p{Nd}/u, /[^\p{Lu}\p{Ll}\p{Nd}]/u].filter((re) => re.test(password)).length;
}

/** The policy in words, as the sign-in page shows it before the person types. */
export function policyInWords(policy: Pick<SignInConfig, 'passwordMinLength' | 'passwordClasses'>): string {
  return `至少 ${policy.passwordMinLength} 位，包含大写字母、小写字母、数字、其他符号中的至少 ${policy.passwordClasses} 类；不得与登录名相同，不得与最近 5 次使用过的密码相同`;
}

/** The rules checked without the password history (which needs the hashes): the first one broken, or null. */
export function passwordBreach(password: string, login: string, policy: Pick<SignInConfig, 'passwordMinLength' | 'passwordClasses'>): PolicyBreach | null {
  const length = [...password].length;
  if (length < policy.passwordMinLength) return { code: 'PASSWORD_TOO_SHORT', message: `密码至少 ${policy.passwordMinLength} 位` };
  if (length > MAX_PASSWORD_LENGTH) return { code: 'PASSWORD_TOO_LONG', message: `密码至多 ${MAX_PASSWORD_LENGTH} 位` };
  if (/\p{Cc}/u.test(password)) return { code: 'PASSWORD_CONTROL_CHARACTERS', message: '密码不得含控制字符' };
  if (characterClasses(password) < policy.passwordClasses) {
    return { code: 'PASSWORD_TOO_FEW_CLASSES', message: `密码须包含大写字母、小写字母、数字、其他符号中的至少 ${policy.passwordClasses} 类` };
  }
  // Without case, and the login spelled backwards too: both are the first guesses of an attacker.
  const p = password.toLowerCase();
  const l = login.trim().toLowerCase();
  if (p === l || p === [...l].reverse().join('')) return { code: 'PASSWORD_IS_LOGIN', message: '密码不得与登录名相同' };
  return null;
}
