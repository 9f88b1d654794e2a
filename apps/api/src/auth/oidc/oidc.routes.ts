import { Controller, Get, Inject, Query, Req, Res, SetMetadata } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { LedgerConfig } from '@ledger/platform';
import type { Request, Response } from 'express';
import { ACCOUNT_ROLES, type AccountRole } from '@ledger/contracts/events';
import { ACCESS_AUDIT_NOTE, noteAccess, type AccessAuditNote } from '../../access-audit/access-audit.middleware';
import { NO_IDEMPOTENCY } from '../../idempotency/idempotency.interceptor';
import { LEDGER_CONFIG } from '../../platform/tokens';
import { ApiProblem } from '../../problem-details/errors';
import { Public } from '../public.decorator';
import { setRefreshCookie } from '../sign-in/auth.routes';
import { SignInService } from '../sign-in/sign-in.service';
import { CALLBACK_PATH, OidcService, PENDING_SECONDS } from './oidc.service';

const PENDING_COOKIE = 'ledger_oidc';
const PENDING_PATH = '/api/v1/auth/oidc';
/** The web app's sign-in page: it shows the outcome (zh-CN) and, on success, takes its access token from /auth/refresh. */
const SIGN_IN_PAGE = '/signin';

/**
 * 统一身份认证 (issue 16 point 5; routes proposed as an addition to API.md). start sends the browser to the
 * provider; callback checks what came back, opens the session a password sign-in opens and sends the
 * browser to the sign-in page with `?sso=ok` (and `&roles=a,b` for an account of several roles that asked
 * for none) or `?ssoError=<code>`. Every callback is one access audit
 * entry: sign-in (method oidc) or sign-in-failed with the reason.
 */
@ApiTags('auth')
@Controller('auth')
@SetMetadata(NO_IDEMPOTENCY, true)
export class OidcRoute {
  constructor(
    private readonly oidc: OidcService,
    private readonly signIn: SignInService,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
  ) {}

  @Get('config')
  @Public()
  @ApiOperation({ summary: '登录方式: whether the sign-in page offers 统一身份认证 (an addition to API.md)' })
  @ApiOkResponse()
  signInConfig(): object {
    const c = this.oidc.config;
    return { oidc: { enabled: c !== null, label: c?.label ?? null } };
  }

  @Get('oidc/start')
  @Public()
  @ApiOperation({ summary: '统一身份认证: 302 to the provider (state, nonce, PKCE); ?role= chooses the role as on sign-in' })
  async start(@Query('role') role: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    if (role !== undefined && !ACCOUNT_ROLES.includes(role as AccountRole))
      throw new ApiProblem(400, 'VALIDATION_FAILED', `role: expected one of ${ACCOUNT_ROLES.join(', ')}`);
    let started: { url: string; cookie: string };
    try {
      started = await this.oidc.start(`${req.protocol}://${req.get('host')}${CALLBACK_PATH}`, role as string | undefined);
    } catch (e) {
      // A browser followed the button here: it is sent back to the page, which says why.
      if (!(e instanceof ApiProblem)) throw e;
      res.redirect(303, `${SIGN_IN_PAGE}?ssoError=${encodeURIComponent(e.code)}`);
      return;
    }
    const { url, cookie } = started;
    // Lax, not Strict: the provider's redirect back is a cross-site navigation, and it must carry this cookie.
    res.append(
      'Set-Cookie',
      `${PENDING_COOKIE}=${cookie}; Path=${PENDING_PATH}; Max-Age=${PENDING_SECONDS}; HttpOnly; SameSite=Lax${this.secure(req) ? '; Secure' : ''}`,
    );
    res.redirect(302, url);
  }

  @Get('oidc/callback')
  @Public()
  @ApiOperation({
    summary:
      '统一身份认证 callback: 303 to the sign-in page, ?sso=ok with the refresh cookie set (&roles=a,b: the account has several, pick one), or ?ssoError=<code>',
  })
  async callback(@Query() query: Record<string, unknown>, @Req() req: Request, @Res() res: Response): Promise<void> {
    // One use: whatever happens, the pending sign-in is over.
    res.append('Set-Cookie', `${PENDING_COOKIE}=; Path=${PENDING_PATH}; Max-Age=0; HttpOnly; SameSite=Lax${this.secure(req) ? '; Secure' : ''}`);
    // Each step adds to the entry's detail (the login, then the session or the refusal) rather than replacing it.
    const note = (n: AccessAuditNote) =>
      noteAccess(res, n.detail ? { ...n, detail: { ...(res.locals[ACCESS_AUDIT_NOTE] as AccessAuditNote | undefined)?.detail, ...n.detail } } : n);
    // The target without its query: the authorization code and state are not kept in the trail.
    note({ action: 'sign-in-failed', outcome: 'refused', target: `GET ${req.originalUrl.split('?')[0]}`, detail: { method: 'oidc' } });
    try {
      if (!this.oidc.config) throw new ApiProblem(404, 'SSO_NOT_CONFIGURED', '本系统未配置统一身份认证');
      const { vouched, role } = await this.oidc.finish(pendingOf(req), query);
      const signed = await this.signIn.signInVouched(vouched.login, role, note, { method: 'oidc', subject: vouched.subject });
      note({ action: 'sign-in', outcome: 'ok' });
      setRefreshCookie(res, signed.refresh, signed.refreshMaxAge, this.secure(req));
      // Several roles and none asked for: the page offers the choice (its pick starts again with ?role=), as after a password sign-in.
      const choose = !role && signed.account.roles.length > 1 ? `&roles=${signed.account.roles.join(',')}` : '';
      res.redirect(303, `${SIGN_IN_PAGE}?sso=ok${choose}`);
    } catch (e) {
      if (!(e instanceof ApiProblem)) throw e;
      const reason = typeof e.extra.reason === 'string' ? e.extra.reason : e.message;
      note({ detail: { method: 'oidc', code: e.code, reason } });
      res.redirect(303, `${SIGN_IN_PAGE}?ssoError=${encodeURIComponent(e.code)}`);
    }
  }

  private secure(req: Request): boolean {
    const s = this.config.signIn.cookieSecure;
    return s === 'on' || (s === 'auto' && req.secure);
  }
}

function pendingOf(req: Request): string | undefined {
  const values = (req.headers.cookie ?? '')
    .split(';')
    .map((c) => c.trim())
    .filter((c) => c.startsWith(`${PENDING_COOKIE}=`))
    .map((c) => c.slice(PENDING_COOKIE.length + 1));
  return values.length === 1 && values[0] ? values[0] : undefined;
}
