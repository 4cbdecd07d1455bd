import { Controller, ForbiddenException, Get, UnauthorizedException, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { AppConfig } from '@backend/config/app-config';
import type { DeviceKeyService } from '@backend/devices/device-key.service';
import { AccessGuard } from './access.guard';
import { Public, Roles, RolesOrScrapeToken } from './access.decorator';
import type { SessionsService } from './sessions.service';
import type { TokenService } from './token.service';
import type { UsersService } from './users.service';

@Controller()
class ExampleController {
  @Get('open') @Public() open() {}
  @Get('admin') @Roles('admin') admin() {}
  @Get('forgotten') forgotten() {}
  @Get('metrics') @RolesOrScrapeToken('admin') metrics() {}
}

function contextFor(handler: keyof ExampleController, headers: Record<string, string> = {}): ExecutionContext {
  const request = { headers, method: 'GET', url: `/${handler}` };
  return {
    // eslint-disable-next-line @typescript-eslint/unbound-method -- only its metadata is read
    getHandler: () => ExampleController.prototype[handler],
    getClass: () => ExampleController,
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
}

describe(AccessGuard.name, () => {
  const admin = {
    type: 'user' as const,
    id: 'u1',
    email: 'a@x',
    displayName: 'A',
    role: 'admin' as const,
    sessionId: 's1',
  };
  const tokens = { verify: (t: string) => (t === 'good' ? admin : null) } as unknown as TokenService;
  const users = {
    activeScope: () => Promise.resolve({ active: true, scope: { siteIds: [], careUnits: [] } }),
  } as unknown as UsersService;
  const deviceKeys = { authenticate: () => Promise.resolve(null) } as unknown as DeviceKeyService;
  const sessions = { isActive: () => Promise.resolve(true) } as unknown as SessionsService;
  const config = { metrics: { token: 'scrape-token-0123456789abcdefghijklmnop' } } as AppConfig;
  const sut = new AccessGuard(new Reflector(), tokens, users, sessions, deviceKeys, config);

  it('refuses everyone on a route that declares no rule, even an admin', async () => {
    await expect(sut.canActivate(contextFor('forgotten', { authorization: 'Bearer good' }))).rejects.toBeInstanceOf(
      ForbiddenException,
    );
  });

  it('lets anyone through a public route', async () => {
    await expect(sut.canActivate(contextFor('open'))).resolves.toBe(true);
  });

  it('requires a valid token with the declared role', async () => {
    await expect(sut.canActivate(contextFor('admin'))).rejects.toBeInstanceOf(UnauthorizedException);
    await expect(sut.canActivate(contextFor('admin', { authorization: 'Bearer bad' }))).rejects.toBeInstanceOf(
      UnauthorizedException,
    );
    await expect(sut.canActivate(contextFor('admin', { authorization: 'Bearer good' }))).resolves.toBe(true);
  });

  it('lets the scrape token through only where the route allows it', async () => {
    const scrape = { authorization: 'Bearer scrape-token-0123456789abcdefghijklmnop' };
    await expect(sut.canActivate(contextFor('metrics', scrape))).resolves.toBe(true);
    await expect(sut.canActivate(contextFor('metrics', { authorization: 'Bearer good' }))).resolves.toBe(true);
    await expect(sut.canActivate(contextFor('metrics', { authorization: 'Bearer scrape' }))).rejects.toBeInstanceOf(
      UnauthorizedException,
    );
    await expect(sut.canActivate(contextFor('admin', scrape))).rejects.toBeInstanceOf(UnauthorizedException);
  });
});
