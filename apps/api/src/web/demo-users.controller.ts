import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { LedgerConfig } from '@ledger/platform';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { Public } from '../auth/public.decorator';
import { DEMO_MODE, LEDGER_CONFIG } from '../platform/tokens';
import { NotFoundProblem } from '../problem-details/errors';

/** One sign-in choice of the demo county, as the demo loader writes it. */
export interface DemoUser {
  role: string;
  name: string;
  unitId: string | null;
  token: string;
  label: string;
  /** 演示账号: the demo account's login and its known password (a demo fact, never a real county's). */
  login?: string;
  password?: string;
}

export const DEMO_USERS_FILE = 'demo-users.json';

/**
 * The demo county's sign-in list: public, and only while the process runs with --demo and the demo
 * loader has written `<dataDir>/demo-users.json`; otherwise 404. The file alone is not enough: a
 * folder that once ran the demo and now serves without --demo hands out no admin token.
 */
@ApiTags('demo')
@Public()
@Controller('demo')
export class DemoUsersController {
  constructor(
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    @Inject(DEMO_MODE) private readonly demo: boolean,
  ) {}

  @Get('users')
  @ApiOperation({ summary: '演示县的演示用户（仅以 --demo 启动时；否则 404）' })
  @ApiOkResponse({ description: '[{ role, name, unitId, token, label, login, password }]: login and password are 演示账号 for the password sign-in' })
  async users(): Promise<DemoUser[]> {
    if (!this.demo) throw new NotFoundProblem('NOT_DEMO', 'this server was not started with --demo');
    const file = path.join(this.config.dataDir, DEMO_USERS_FILE);
    let raw: string;
    try {
      raw = await fs.readFile(file, 'utf8');
    } catch {
      throw new NotFoundProblem('NOT_DEMO', 'this server is not running the demo county');
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new NotFoundProblem('NOT_DEMO', `${DEMO_USERS_FILE} is not valid JSON`);
    }
    if (!Array.isArray(parsed)) throw new NotFoundProblem('NOT_DEMO', `${DEMO_USERS_FILE} is not a list`);
    return parsed
      .filter(
        (u): u is Record<string, unknown> =>
          typeof u === 'object' && u !== null && typeof (u as DemoUser).token === 'string' && typeof (u as DemoUser).role === 'string',
      )
      .map((u) => ({
        role: String(u.role),
        name: String(u.name ?? ''),
        unitId: typeof u.unitId === 'string' ? u.unitId : null,
        token: String(u.token),
        label: String(u.label ?? u.name ?? ''),
        ...(typeof u.login === 'string' && typeof u.password === 'string' ? { login: u.login, password: u.password } : {}),
      }));
  }
}

/** For the demo loader: writes the sign-in list this controller serves (mode 0600: it holds tokens). */
export async function writeDemoUsers(dataDir: string, users: DemoUser[]): Promise<string> {
  const file = path.join(dataDir, DEMO_USERS_FILE);
  await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
  await fs.writeFile(file, JSON.stringify(users, null, 2), { mode: 0o600 });
  return file;
}
