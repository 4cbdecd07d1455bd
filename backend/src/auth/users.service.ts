import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { UserDto, UserRole } from '@wardtrack/contracts';
import type { Repository } from 'typeorm';
import { AuditService } from '@backend/audit/audit.service';
import { hashPassword } from './password';
import { SessionsService } from './sessions.service';
import type { Actor } from './principal';
import type { UserScope } from './scope';
import { User } from './user.entity';

export interface NewUser {
  email: string;
  displayName: string;
  role: UserRole;
  password: string;
  scopeSiteIds?: string[];
  scopeCareUnits?: string[];
}

export interface UserChanges {
  displayName?: string;
  role?: UserRole;
  active?: boolean;
  password?: string;
  scopeSiteIds?: string[];
  scopeCareUnits?: string[];
}

/** Maps a user to what the API shows: never the password hash. */
export function toUserDto(user: User): UserDto {
  return { id: user.id, email: user.email, displayName: user.displayName, role: user.role };
}

function auditView(user: User): Record<string, unknown> {
  return {
    email: user.email,
    displayName: user.displayName,
    role: user.role,
    active: user.active,
    scopeSiteIds: user.scopeSiteIds,
    scopeCareUnits: user.scopeCareUnits,
  };
}

const ACTIVE_CACHE_MS = 5_000;

@Injectable()
export class UsersService {
  // Disabling a user takes effect on their next request within this many ms, without a query per request.
  private readonly activeCache = new Map<string, { active: boolean; scope: UserScope; until: number }>();

  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly audit: AuditService,
    private readonly sessions: SessionsService,
  ) {}

  list(): Promise<User[]> {
    return this.users.find({ order: { email: 'ASC' } });
  }

  async get(id: string): Promise<User> {
    const user = await this.users.findOneBy({ id });
    if (!user) throw new NotFoundException(`User ${id} not found`);
    return user;
  }

  /** Finds an account by e-mail (case-insensitive), with its password hash, for sign-in. */
  findForLogin(email: string): Promise<User | null> {
    return this.users
      .createQueryBuilder('u')
      .addSelect('u.passwordHash')
      .where('lower(u.email) = lower(:email)', { email })
      .getOne();
  }

  /** Whether the account is active, and the sites and care units it may see (cached briefly, like `active`). */
  async activeScope(id: string, now = Date.now()): Promise<{ active: boolean; scope: UserScope }> {
    const cached = this.activeCache.get(id);
    if (cached && cached.until > now) return { active: cached.active, scope: cached.scope };
    const user = await this.users.findOne({
      where: { id },
      select: { id: true, active: true, scopeSiteIds: true, scopeCareUnits: true },
    });
    const active = user?.active ?? false;
    const scope: UserScope = { siteIds: user?.scopeSiteIds ?? [], careUnits: user?.scopeCareUnits ?? [] };
    this.activeCache.set(id, { active, scope, until: now + ACTIVE_CACHE_MS });
    return { active, scope };
  }

  async isActive(id: string, now = Date.now()): Promise<boolean> {
    return (await this.activeScope(id, now)).active;
  }

  /** Drops the cached state of an account, so its next request reads it afresh. */
  forgetCached(id: string): void {
    this.activeCache.delete(id);
  }

  async create(actor: Actor, input: NewUser): Promise<User> {
    const passwordHash = await hashPassword(input.password);
    return this.audit.transaction(actor, async (tx, audit) => {
      const exists = await tx
        .getRepository(User)
        .createQueryBuilder('u')
        .where('lower(u.email) = lower(:email)', { email: input.email })
        .getExists();
      if (exists) throw new ConflictException(`A user with email ${input.email} already exists`);
      const user = await tx.getRepository(User).save(
        tx.getRepository(User).create({
          email: input.email.trim(),
          displayName: input.displayName.trim(),
          role: input.role,
          passwordHash,
          active: true,
          scopeSiteIds: input.scopeSiteIds ?? [],
          scopeCareUnits: input.scopeCareUnits ?? [],
        }),
      );
      audit.created('user', user.id, auditView(user));
      return user;
    });
  }

  async update(actor: Actor, id: string, changes: UserChanges): Promise<User> {
    const passwordHash = changes.password ? await hashPassword(changes.password) : undefined;
    const updated = await this.audit.transaction(actor, async (tx, audit) => {
      const repo = tx.getRepository(User);
      const user = await repo.findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!user) throw new NotFoundException(`User ${id} not found`);
      const before = auditView(user);
      if (changes.displayName !== undefined) user.displayName = changes.displayName.trim();
      if (changes.role !== undefined) user.role = changes.role;
      if (changes.active !== undefined) user.active = changes.active;
      if (changes.scopeSiteIds !== undefined) user.scopeSiteIds = changes.scopeSiteIds;
      if (changes.scopeCareUnits !== undefined) user.scopeCareUnits = changes.scopeCareUnits;
      if (passwordHash) user.passwordHash = passwordHash;
      const saved = await repo.save(user);
      // The password itself never reaches the log; that it was reset does.
      audit.updated('user', id, before, { ...auditView(saved), ...(passwordHash ? { passwordReset: true } : {}) });
      return saved;
    });
    this.forgetCached(id);
    // A disabled account or a reset password ends every session at once.
    if (changes.active === false || passwordHash)
      await this.sessions.revokeAllOf(id, changes.active === false ? 'account disabled' : 'password reset');
    return updated;
  }
}
