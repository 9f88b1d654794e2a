/** 统一身份认证: what the sign-in page says when the callback sent the browser back with ?ssoError=<code>. */
const STATE = '本次统一身份认证登录已失效或不属于本浏览器，请重新点击统一身份认证登录';
const TOKEN = '统一身份认证平台返回的身份令牌未通过校验，请重新登录；多次出现请联系系统管理员';

export const SSO_ERROR_TEXT: Record<string, string> = {
  SSO_NOT_CONFIGURED: '本系统未配置统一身份认证，请使用账号密码登录',
  SSO_PROVIDER_UNAVAILABLE: '统一身份认证平台暂时无法访问，请稍后再试或使用账号密码登录',
  SSO_PROVIDER_REFUSED: '统一身份认证平台未完成登录，请重试',
  SSO_STATE_MISSING: STATE,
  SSO_STATE_INVALID: STATE,
  SSO_STATE_MISMATCH: STATE,
  SSO_STATE_EXPIRED: '统一身份认证登录超过 10 分钟未完成，请重新登录',
  SSO_WRONG_AUDIENCE: TOKEN,
  SSO_TOKEN_EXPIRED: TOKEN,
  SSO_NONCE_MISMATCH: TOKEN,
  SSO_WRONG_ISSUER: TOKEN,
  SSO_TOKEN_INVALID: TOKEN,
  SSO_LOGIN_CLAIM_MISSING: '统一身份认证平台未提供登录名，无法对应本系统账号，请联系系统管理员',
  SSO_UNKNOWN_ACCOUNT: '您在统一身份认证平台的身份在本系统没有可用账号，请联系安全管理员开通',
  ACCOUNT_LOCKED: '账号已被管理员锁定，请联系安全管理员',
  ROLE_NOT_HELD: '该账号没有所选角色',
  ACCOUNT_WITHOUT_ROLE: '该账号没有任何角色，请联系安全管理员',
};

export function ssoErrorText(code: string): string {
  return SSO_ERROR_TEXT[code] ?? `统一身份认证登录失败（${code.slice(0, 64)}），请重试或使用账号密码登录`;
}
