import * as crypto from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Clock, LedgerConfig, OidcConfig } from '@ledger/platform';
import { custom, errors, generators, Issuer, type BaseClient } from 'openid-client';
import { CLOCK, JWT_SECRET, LEDGER_CONFIG } from '../../platform/tokens';
import { ApiProblem } from '../../problem-details/errors';

/** How long a browser may take at the provider between start and callback. */
export const PENDING_SECONDS = 600;
/** Seconds of clock difference between the ledger and the provider that the ID token's exp, iat and nbf allow. */
export const CLOCK_TOLERANCE_SECONDS = 60;
export const CALLBACK_PATH = '/api/v1/auth/oidc/callback';

/** What start left in the browser (signed): the checks the callback makes. */
interface Pending {
  state: string;
  nonce: string;
  verifier: string;
  redirectUri: string;
  role?: string;
  /** ms, by the app's clock. */
  until: number;
}

export interface Vouched {
  login: string;
  subject: string;
}

const log = new Logger('Oidc');

/**
 * The relying-party side of 统一身份认证 (issue 16 point 5) with openid-client 5 (CommonJS): discovery,
 * the authorization URL with state, nonce and PKCE, and the callback's checks (iss, aud, exp, nonce,
 * signature against the provider's keys). openid-client judges the ID token's times by the system clock
 * (±60 s), not the app's injected one. The pending sign-in lives in the browser, HMAC-signed, so any
 * API instance can finish what another started.
 */
@Injectable()
export class OidcService {
  readonly config: OidcConfig | null;
  private client: Promise<BaseClient> | null = null;
  private readonly key: Buffer;

  constructor(
    @Inject(LEDGER_CONFIG) config: LedgerConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(JWT_SECRET) secret: string,
  ) {
    this.config = config.oidc;
    this.key = crypto.createHmac('sha256', secret).update('ledger oidc pending sign-in').digest();
  }

  private configured(): OidcConfig {
    if (!this.config) throw new ApiProblem(404, 'SSO_NOT_CONFIGURED', '本系统未配置统一身份认证');
    return this.config;
  }

  /** Discovery once; a failure is not kept, so the next sign-in tries again. */
  private async rp(): Promise<BaseClient> {
    const config = this.configured();
    this.client ??= (async () => {
      const issuer = await Issuer.discover(config.issuer);
      const client = new issuer.Client({
        client_id: config.clientId,
        client_secret: config.clientSecret,
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      });
      client[custom.clock_tolerance] = CLOCK_TOLERANCE_SECONDS;
      return client;
    })();
    try {
      return await this.client;
    } catch (e) {
      this.client = null;
      log.warn(`discovery at ${config.issuer} failed: ${(e as Error).message}`);
      throw new ApiProblem(502, 'SSO_PROVIDER_UNAVAILABLE', `统一身份认证平台暂时无法访问，请稍后再试或使用账号密码登录`);
    }
  }

  /** The provider's authorization URL and the signed cookie value holding its checks. */
  async start(derivedRedirect: string, role: string | undefined): Promise<{ url: string; cookie: string }> {
    const config = this.configured();
    const client = await this.rp();
    const pending: Pending = {
      state: generators.state(),
      nonce: generators.nonce(),
      verifier: generators.codeVerifier(),
      redirectUri: config.redirectUrl ?? derivedRedirect,
      ...(role ? { role } : {}),
      until: this.clock.now().getTime() + PENDING_SECONDS * 1000,
    };
    const url = client.authorizationUrl({
      scope: 'openid profile',
      redirect_uri: pending.redirectUri,
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: generators.codeChallenge(pending.verifier),
      code_challenge_method: 'S256',
    });
    return { url, cookie: this.seal(pending) };
  }

  /** The callback's checks; every refusal is an ApiProblem whose code the sign-in page explains. */
  async finish(cookie: string | undefined, query: Record<string, unknown>): Promise<{ vouched: Vouched; role?: string }> {
    const config = this.configured();
    if (!cookie) throw new ApiProblem(400, 'SSO_STATE_MISSING', '登录状态已丢失（浏览器未带回登录凭据），请重新点击统一身份认证登录');
    const pending = this.open(cookie);
    if (pending.until <= this.clock.now().getTime())
      throw new ApiProblem(400, 'SSO_STATE_EXPIRED', `统一身份认证登录超过 ${PENDING_SECONDS / 60} 分钟未完成，请重新登录`);
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(query)) if (typeof v === 'string') params[k] = v;
    if (typeof params.state !== 'string' || !safeEqual(params.state, pending.state)) {
      throw new ApiProblem(400, 'SSO_STATE_MISMATCH', '登录状态不符（回调不属于本次登录），请重新登录');
    }
    if (params.error)
      throw new ApiProblem(
        401,
        'SSO_PROVIDER_REFUSED',
        `统一身份认证平台拒绝了登录：${params.error}${params.error_description ? `（${params.error_description}）` : ''}`,
      );
    const client = await this.rp();
    let claims: Record<string, unknown>;
    try {
      const tokens = await client.callback(pending.redirectUri, params, {
        state: pending.state,
        nonce: pending.nonce,
        code_verifier: pending.verifier,
        response_type: 'code',
      });
      claims = tokens.claims();
    } catch (e) {
      throw refusal(e);
    }
    const login = claims[config.loginClaim];
    if (typeof login !== 'string' || !login.trim()) {
      throw new ApiProblem(401, 'SSO_LOGIN_CLAIM_MISSING', `统一身份认证平台的身份信息中没有 ${config.loginClaim}，无法对应本系统账号`, {
        claim: config.loginClaim,
      });
    }
    return { vouched: { login: login.trim(), subject: String(claims.sub) }, ...(pending.role ? { role: pending.role } : {}) };
  }

  private seal(p: Pending): string {
    const body = Buffer.from(JSON.stringify(p)).toString('base64url');
    return `${body}.${crypto.createHmac('sha256', this.key).update(body).digest('base64url')}`;
  }

  private open(cookie: string): Pending {
    const [body, mac, extra] = cookie.split('.');
    const expected = body ? crypto.createHmac('sha256', this.key).update(body).digest('base64url') : '';
    if (extra !== undefined || !body || !mac || !safeEqual(mac, expected)) throw new ApiProblem(400, 'SSO_STATE_INVALID', '登录状态无效，请重新登录');
    return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Pending;
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

/** What openid-client refused, in the page's words; the library's own message goes in `reason`. */
function refusal(e: unknown): ApiProblem {
  const message = (e as Error).message ?? String(e);
  if (e instanceof errors.OPError) return new ApiProblem(401, 'SSO_PROVIDER_REFUSED', `统一身份认证平台拒绝了登录：${e.error ?? message}`, { reason: message });
  if (e instanceof errors.RPError) {
    if (/^(aud|azp)\b|\baud is missing/.test(message))
      return new ApiProblem(401, 'SSO_WRONG_AUDIENCE', '身份令牌不是签发给本系统的（audience 不符）', { reason: message });
    if (/JWT expired/.test(message)) return new ApiProblem(401, 'SSO_TOKEN_EXPIRED', '身份令牌已过期，请重新登录', { reason: message });
    if (/nonce mismatch/.test(message))
      return new ApiProblem(401, 'SSO_NONCE_MISMATCH', '身份令牌不属于本次登录（nonce 不符），请重新登录', { reason: message });
    if (/unexpected iss/.test(message)) return new ApiProblem(401, 'SSO_WRONG_ISSUER', '身份令牌不是由配置的统一身份认证平台签发的', { reason: message });
    return new ApiProblem(401, 'SSO_TOKEN_INVALID', '身份令牌无效，请重新登录', { reason: message });
  }
  log.warn(`the token exchange failed: ${message}`);
  return new ApiProblem(502, 'SSO_PROVIDER_UNAVAILABLE', '统一身份认证平台暂时无法访问，请稍后再试或使用账号密码登录', { reason: message });
}
