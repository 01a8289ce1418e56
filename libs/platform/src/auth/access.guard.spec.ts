import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { CredentialException } from '../errors/app.exception';
import { Public, RequireScope, type WithPrincipal } from './access.decorators';
import { AccessGuard, type AccessSettings } from './access.guard';
import { ANONYMOUS, type Authenticator } from './authenticator';
import type { Principal } from './scopes';

class Routes {
  @Public()
  health(): void {}

  @RequireScope('customers:read')
  read(): void {}

  @RequireScope('admin', 'personal:read')
  export(): void {}

  forgotten(): void {}
}

const READER: Principal = {
  kind: 'api_key',
  id: 'key:r',
  name: 'reader',
  scopes: new Set(['customers:read']),
};

type TestRequest = WithPrincipal & { headers: Record<string, string> };

/** The request object itself is handed out, so that what the guard attaches can be read back. */
function context(handler: keyof Routes, request: TestRequest, type = 'http'): ExecutionContext {
  const withSocket = Object.assign(request, { socket: { remoteAddress: '10.0.0.1' } });
  return {
    getType: () => type,
    getHandler: () => Routes.prototype[handler],
    getClass: () => Routes,
    switchToHttp: () => ({ getRequest: () => withSocket }),
  } as unknown as ExecutionContext;
}

const settings = (enabled: boolean): AccessSettings => ({
  enabled,
  service: 'test',
  perCredential: { perSecond: 100, burst: 100 },
  failuresPerMinute: 100,
});

describe('AccessGuard', () => {
  const authenticator = {
    authenticate: (header: string | undefined) =>
      header === 'Bearer reader'
        ? Promise.resolve(READER)
        : Promise.reject(
            new CredentialException('unauthenticated', 'unauthenticated' as never, 'no'),
          ),
  } as unknown as Authenticator;
  const guard = new AccessGuard(new Reflector(), authenticator, settings(true));

  it('lets anyone reach a public route', async () => {
    await expect(guard.canActivate(context('health', { headers: {} }))).resolves.toBe(true);
  });

  it('admits a credential holding the scope, or one of the scopes a route names', async () => {
    const request: TestRequest = { headers: { authorization: 'Bearer reader' } };
    await expect(guard.canActivate(context('read', request))).resolves.toBe(true);
    expect(request.principal).toBe(READER);
    await expect(guard.canActivate(context('export', request))).rejects.toMatchObject({
      requiredScope: 'admin personal:read',
    });
  });

  it('keeps a route nobody annotated for admins', async () => {
    const request = { headers: { authorization: 'Bearer reader' } };
    await expect(guard.canActivate(context('forgotten', request))).rejects.toMatchObject({
      requiredScope: 'admin',
    });
  });

  it('refuses transports it does not know', async () => {
    await expect(guard.canActivate(context('health', { headers: {} }, 'rpc'))).resolves.toBe(false);
  });

  it('serves everyone as the anonymous principal only when switched off', async () => {
    const off = new AccessGuard(new Reflector(), authenticator, settings(false));
    const request: TestRequest = { headers: {} };
    await expect(off.canActivate(context('forgotten', request))).resolves.toBe(true);
    expect(request.principal).toBe(ANONYMOUS);
    const on: TestRequest = { headers: {} };
    await expect(guard.canActivate(context('read', on))).rejects.toBeInstanceOf(
      CredentialException,
    );
    expect(on.principal).toBeUndefined();
  });
});
