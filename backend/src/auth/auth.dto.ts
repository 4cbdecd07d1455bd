import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { USER_ROLES, type UserRole } from '@wardtrack/contracts';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';

export class LoginBody {
  /** The account's e-mail address. */
  @ApiProperty({ example: 'nurse@wardtrack.demo' }) @IsEmail() @MaxLength(254) email: string;
  /** The account's password. */
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(1024) password: string;
}

export class RefreshBody {
  /** The refresh token from the last sign-in or refresh. */
  @ApiProperty()
  @IsString()
  @Matches(/^wtr_[A-Za-z0-9_-]{43}$/, { message: 'refreshToken is not a Wardtrack refresh token' })
  refreshToken: string;
}

/**
 * Where a user may look. An empty list means no restriction; on an update, an absent field keeps
 * what the user had.
 */
class UserScopeBody {
  /** Sites the user may see. */
  @ApiPropertyOptional({ type: [String], format: 'uuid' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  scopeSiteIds?: string[];
  /** Care units the user may see (e.g. "ICU", "4 West"). */
  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ArrayUnique()
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(100, { each: true })
  scopeCareUnits?: string[];
}

export class CreateUserBody extends UserScopeBody {
  @ApiProperty() @IsEmail() @MaxLength(254) email: string;
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(200) displayName: string;
  @ApiProperty({ enum: USER_ROLES }) @IsIn(USER_ROLES) role: UserRole;
  /** At least 12 characters. */
  @ApiProperty({ minLength: 12 }) @IsString() @MinLength(12) @MaxLength(1024) password: string;
}

export class UpdateUserBody extends UserScopeBody {
  @ApiPropertyOptional() @IsOptional() @IsString() @MinLength(1) @MaxLength(200) displayName?: string;
  @ApiPropertyOptional({ enum: USER_ROLES }) @IsOptional() @IsIn(USER_ROLES) role?: UserRole;
  /** false disables the account: it can no longer sign in and its tokens stop working. */
  @ApiPropertyOptional() @IsOptional() @IsBoolean() active?: boolean;
  /** Resets the password (at least 12 characters). */
  @ApiPropertyOptional({ minLength: 12 }) @IsOptional() @IsString() @MinLength(12) @MaxLength(1024) password?: string;
}
