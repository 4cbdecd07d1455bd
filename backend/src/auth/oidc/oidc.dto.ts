import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';

/** Whether the sign-in screen offers single sign-on, and what its button says. */
export class OidcSettingsDto {
  /** True when OIDC_ISSUER is configured. */
  @ApiProperty() enabled: boolean;
  /** The button reads "Sign in with <label>"; null when single sign-on is off. */
  @ApiProperty({ type: String, nullable: true, example: 'Hospital account' }) label: string | null;
}

export class OidcExchangeBody {
  /** The one-time code the callback put in the sign-in page's address (valid for a minute, once). */
  @ApiProperty()
  @IsString()
  @Matches(/^wto_[A-Za-z0-9_-]{43}$/, { message: 'code is not a Wardtrack sign-in code' })
  code: string;
}
