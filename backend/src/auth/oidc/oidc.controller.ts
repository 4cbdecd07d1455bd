import { Body, Controller, Get, Header, HttpCode, Ip, Post, Query, Redirect, Req, Res } from '@nestjs/common';
import { ApiFoundResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { LoginResponse } from '@wardtrack/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../access.decorator';
import { OidcExchangeBody, OidcSettingsDto } from './oidc.dto';
import { BROWSER_BINDING_COOKIE, OidcService } from './oidc.service';

@ApiTags('auth')
@Controller('auth/oidc')
export class OidcController {
  constructor(private readonly oidc: OidcService) {}

  @Get('config')
  @Public()
  @ApiOperation({ summary: 'Whether single sign-on is offered, and the label of its button' })
  settings(): OidcSettingsDto {
    return this.oidc.describe();
  }

  @Get('start')
  @Public()
  @Redirect()
  @Header('Cache-Control', 'no-store')
  @ApiQuery({ name: 'returnUrl', required: false, description: 'Wardtrack path to open after signing in' })
  @ApiFoundResponse({ description: "Redirect to the identity provider's sign-in page" })
  @ApiOperation({ summary: 'Begin single sign-on (authorization code + PKCE); 404 when not configured' })
  async start(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Query('returnUrl') returnUrl?: string,
  ): Promise<{ url: string; statusCode: number }> {
    const { url, binding } = await this.oidc.start(returnUrl, cookie(request, BROWSER_BINDING_COOKIE));
    void reply.header('set-cookie', this.oidc.bindingCookie(binding));
    return { url, statusCode: 302 };
  }

  @Get('callback')
  @Public()
  @Redirect()
  @Header('Cache-Control', 'no-store')
  @ApiQuery({ name: 'code', required: false, description: 'Authorization code from the provider' })
  @ApiQuery({
    name: 'state',
    required: false,
    description: 'The state Wardtrack sent (single use, bound to this browser)',
  })
  @ApiQuery({ name: 'error', required: false, description: 'The provider refused or the person cancelled' })
  @ApiFoundResponse({ description: 'Redirect to /login/sso with a one-time code, or with the reason for a refusal' })
  @ApiOperation({ summary: 'Where the identity provider sends the browser back (code, state)' })
  async callback(@Req() request: FastifyRequest): Promise<{ url: string; statusCode: number }> {
    // The whole query: providers add parameters of their own (session_state, iss) that a DTO would refuse.
    const query = (request.query ?? {}) as Record<string, unknown>;
    const binding = cookie(request, BROWSER_BINDING_COOKIE);
    return { url: await this.oidc.callback(query, binding, String(request.id)), statusCode: 302 };
  }

  @Post('exchange')
  @Public()
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Trade the one-time sign-in code for an access token and refresh token' })
  exchange(@Body() body: OidcExchangeBody, @Req() request: FastifyRequest, @Ip() ip: string): Promise<LoginResponse> {
    return this.oidc.exchange(body.code, { ip, userAgent: request.headers['user-agent'] ?? null }, String(request.id));
  }
}

/** One cookie from the request (no cookie plugin: this is the only cookie Wardtrack reads). */
function cookie(request: FastifyRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}
