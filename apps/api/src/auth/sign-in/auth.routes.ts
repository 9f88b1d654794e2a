import { Body, Controller, Get, HttpCode, Inject, Post, Req, Res, SetMetadata } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { InvalidTokenError, verifyAccessToken, type Clock, type LedgerConfig } from '@ledger/platform';
import { IsIn, IsOptional, IsString, Length } from 'class-validator';
import type { Request, Response } from 'express';
import { ACCOUNT_ROLES } from '@ledger/contracts/events';
import { clientAddress, noteAccess, recordAccessAhead } from '../../access-audit/access-audit.middleware';
import { Meta, type CommandMeta } from '../../command-path/command-meta';
import { NO_IDEMPOTENCY } from '../../idempotency/idempotency.interceptor';
import { CLOCK, JWT_SECRET, LEDGER_CONFIG } from '../../platform/tokens';
import { ApiProblem } from '../../problem-details/errors';
import { SESSION_KEY } from '../auth.guard';
import { EveryAccount } from '../every-account.decorator';
import { BeforePasswordChange } from '../password-change.decorator';
import { Public } from '../public.decorator';
import { SignInService } from './sign-in.service';

export class SignInDto {
  @ApiProperty({ example: 'li.zuzhi' })
  @IsString()
  @Length(1, 128)
  login!: string;

  @ApiProperty()
  @IsString()
  @Length(1, 1024)
  password!: string;

  @ApiPropertyOptional({ description: 'which of the account’s roles to act with (default: its first); an addition to API.md', enum: ACCOUNT_ROLES })
  @IsOptional()
  @IsIn(ACCOUNT_ROLES)
  role?: string;
}

export class ChangePasswordDto {
  @ApiProperty()
  @IsString()
  @Length(1, 1024)
  current!: string;

  @ApiProperty()
  @IsString()
  @Length(1, 1024)
  next!: string;
}

/** An empty body, as API.md writes `{}` for sign-out. */
export class EmptyDto {}

export const REFRESH_COOKIE = 'ledger_refresh';
/** The header a cookie-authenticated request must carry: a cross-site form or image cannot send one, and no CORS lets a script. */
export const CSRF_HEADER = 'x-ledger-csrf';
const COOKIE_PATH = '/api/v1/auth';

/**
 * 登录 (issue 16, API.md "Version 2 additions"): sign-in, refresh, sign-out, password change. The refresh
 * cookie is httpOnly, SameSite=Strict and scoped to /api/v1/auth; the requests it authenticates (refresh,
 * sign-out) need the X-Ledger-CSRF header and a same-origin Origin / Sec-Fetch-Site when the browser sends them.
 */
@ApiTags('auth')
@Controller('auth')
@SetMetadata(NO_IDEMPOTENCY, true)
export class AuthRoute {
  constructor(
    private readonly signIn: SignInService,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    @Inject(JWT_SECRET) private readonly secret: string,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post('sign-in')
  @HttpCode(200)
  @Public()
  @ApiOperation({ summary: '登录: login and password; answers a short access token and sets the refresh cookie' })
  async signInRoute(@Body() body: SignInDto, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<object> {
    sameOrigin(req);
    try {
      const signed = await this.signIn.signIn(body, clientAddress(req), (n) => noteAccess(res, n));
      this.setCookie(req, res, signed.refresh, signed.refreshMaxAge);
      return { accessToken: signed.accessToken, expiresIn: signed.expiresIn, mustChangePassword: signed.mustChangePassword, account: signed.account };
    } catch (e) {
      if (e instanceof ApiProblem && typeof e.extra.retryAfter === 'number') res.setHeader('Retry-After', String(e.extra.retryAfter));
      throw e;
    }
  }

  @Post('refresh')
  @HttpCode(200)
  @Public()
  @ApiOperation({ summary: '续期: a new access token for the session of the refresh cookie (needs the X-Ledger-CSRF header)' })
  async refresh(@Body() _body: EmptyDto, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<object> {
    csrf(req);
    try {
      return await this.signIn.refresh(cookieOf(req), (n) => noteAccess(res, n));
    } catch (e) {
      // The session is over: the browser may forget its cookie.
      this.clearCookie(req, res);
      throw e;
    }
  }

  @Post('sign-out')
  @HttpCode(204)
  @Public()
  @EveryAccount()
  @ApiOperation({ summary: '退出: ends the session (of the bearer token, else of the refresh cookie) on the server' })
  @ApiNoContentResponse()
  async signOut(@Body() _body: EmptyDto, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<void> {
    const sessionId = this.bearerSession(req);
    if (!sessionId) csrf(req);
    this.clearCookie(req, res);
    await this.signIn.signOut(
      sessionId,
      cookieOf(req),
      (n) => noteAccess(res, n),
      () => recordAccessAhead(res),
    );
  }

  @Post('password')
  @HttpCode(204)
  @EveryAccount()
  @BeforePasswordChange()
  @ApiOperation({ summary: '修改密码: the holder’s own; 422 names the rule a new password breaks' })
  @ApiNoContentResponse()
  async password(@Body() body: ChangePasswordDto, @Req() req: Request, @Meta() meta: CommandMeta): Promise<void> {
    await this.signIn.changePassword(((req as unknown as Record<string, unknown>)[SESSION_KEY] as string | null) ?? null, body, meta);
  }

  @Get('policy')
  @Public()
  @ApiOperation({ summary: '密码规则: the password policy in words (an addition to API.md)' })
  @ApiOkResponse()
  policy(): object {
    const p = this.config.signIn;
    return {
      text: this.signIn.policyText(),
      minLength: p.passwordMinLength,
      classes: p.passwordClasses,
      history: 5,
      maxAgeDays: p.passwordMaxAgeDays,
      idleMinutes: p.sessionIdleMinutes,
    };
  }

  /** The session of a valid bearer token (sign-out is @Public: the guard did not look). */
  private bearerSession(req: Request): string | null {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!m) return null;
    try {
      return verifyAccessToken(m[1], this.secret, this.clock.now()).sessionId;
    } catch (e) {
      if (e instanceof InvalidTokenError) return null;
      throw e;
    }
  }

  private setCookie(req: Request, res: Response, value: string, maxAge: number): void {
    setRefreshCookie(res, value, maxAge, this.secure(req));
  }

  private clearCookie(req: Request, res: Response): void {
    res.append('Set-Cookie', `${REFRESH_COOKIE}=; Path=${COOKIE_PATH}; Max-Age=0; HttpOnly; SameSite=Strict${this.secure(req) ? '; Secure' : ''}`);
  }

  private secure(req: Request): boolean {
    const s = this.config.signIn.cookieSecure;
    return s === 'on' || (s === 'auto' && req.secure);
  }
}

/** The session's refresh cookie, as every way of signing in sets it (password, 统一身份认证). */
export function setRefreshCookie(res: Response, value: string, maxAge: number, secure: boolean): void {
  res.append('Set-Cookie', `${REFRESH_COOKIE}=${value}; Path=${COOKIE_PATH}; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`);
}

/** The refresh cookie's value, if the request carries exactly one. */
function cookieOf(req: Request): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  const values = header
    .split(';')
    .map((c) => c.trim())
    .filter((c) => c.startsWith(`${REFRESH_COOKIE}=`))
    .map((c) => c.slice(REFRESH_COOKIE.length + 1));
  // Two cookies of one name (one planted by a sibling subdomain): trust neither.
  return values.length === 1 ? values[0] : values.length ? '!' : undefined;
}

/** Refuses a request a browser sent from another site (Origin or Sec-Fetch-Site say so). */
function sameOrigin(req: Request): void {
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') {
    throw new ApiProblem(403, 'CSRF_REFUSED', `a cross-site request (Sec-Fetch-Site: ${site}) may not use the session`);
  }
  const origin = req.headers.origin;
  if (typeof origin === 'string' && origin !== 'null') {
    let host: string | null;
    try {
      host = new URL(origin).host;
    } catch {
      host = null;
    }
    if (host === null || host !== req.headers.host) throw new ApiProblem(403, 'CSRF_REFUSED', `a request from ${origin} may not use this site's session`);
  } else if (origin === 'null') {
    throw new ApiProblem(403, 'CSRF_REFUSED', 'a request from an opaque origin may not use the session');
  }
}

/** A cookie-authenticated write: same origin, and the custom header no cross-site form can send. */
function csrf(req: Request): void {
  sameOrigin(req);
  if (req.headers[CSRF_HEADER] !== '1')
    throw new ApiProblem(403, 'CSRF_REFUSED', `a request authenticated by the refresh cookie must carry the header X-Ledger-CSRF: 1`);
}
