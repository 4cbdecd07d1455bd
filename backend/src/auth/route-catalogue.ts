import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import type { ModulesContainer } from '@nestjs/core';
import { USER_ROLES } from '@wardtrack/contracts';
import { ACCESS_RULE, type AccessRule } from './access.decorator';

/** Who may call a route, as one column of the permission matrix. */
export const PRINCIPALS = [...USER_ROLES, 'device'] as const;
export type PrincipalKind = (typeof PRINCIPALS)[number];

export interface RouteEntry {
  method: string;
  /** Full path with the global prefix, e.g. /api/v1/floors/:id */
  path: string;
  handler: string;
  /** Undefined when the route declares nothing (the guard then refuses everyone). */
  rule: AccessRule | undefined;
}

function joinPath(...parts: (string | undefined)[]): string {
  return (
    '/' +
    parts
      .flatMap((p) => (p ?? '').split('/'))
      .filter(Boolean)
      .join('/')
  );
}

/** Every route the application registered, with its access rule, sorted by path and method. */
export function listRoutes(modules: ModulesContainer, globalPrefix = 'api/v1'): RouteEntry[] {
  const routes: RouteEntry[] = [];
  for (const module of modules.values()) {
    for (const controller of module.controllers.values()) {
      const type = controller.metatype as (new (...args: never[]) => unknown) | null;
      if (!type) continue;
      const base = Reflect.getMetadata(PATH_METADATA, type) as string | undefined;
      const classRule = Reflect.getMetadata(ACCESS_RULE, type) as AccessRule | undefined;
      for (const name of Object.getOwnPropertyNames(type.prototype)) {
        const handler: unknown = (type.prototype as Record<string, unknown>)[name];
        if (typeof handler !== 'function') continue;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (method === undefined) continue;
        routes.push({
          method: RequestMethod[method],
          path: joinPath(globalPrefix, base, Reflect.getMetadata(PATH_METADATA, handler) as string),
          handler: `${type.name}.${name}`,
          rule: (Reflect.getMetadata(ACCESS_RULE, handler) as AccessRule | undefined) ?? classRule,
        });
      }
    }
  }
  return routes.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}

/** Whether a principal passes a rule. 'anonymous' is a caller with no credentials. */
export function allows(rule: AccessRule | undefined, who: PrincipalKind | 'anonymous'): boolean {
  if (!rule) return false;
  switch (rule.kind) {
    case 'public':
      return true;
    case 'device':
      return who === 'device';
    case 'users':
      return who !== 'device' && who !== 'anonymous' && rule.roles.includes(who);
  }
}

/** The permission matrix as a markdown table (docs/security.md holds the same table). */
export function permissionMatrixMarkdown(routes: RouteEntry[]): string {
  const header = `| method | path | public | ${PRINCIPALS.join(' | ')} | scrape token |`;
  const divider = `| --- | --- | --- | ${PRINCIPALS.map(() => '---').join(' | ')} | --- |`;
  const rows = routes.map((r) => {
    const pub = r.rule?.kind === 'public' ? 'yes' : '';
    const cells = PRINCIPALS.map((p) => (r.rule?.kind !== 'public' && allows(r.rule, p) ? 'yes' : ''));
    // METRICS_TOKEN as the bearer token (a monitoring system, not a person or a device).
    const scrape = r.rule?.kind === 'users' && r.rule.scrapeToken ? 'yes' : '';
    return `| ${r.method} | \`${r.path}\` | ${pub} | ${cells.join(' | ')} | ${scrape} |`;
  });
  return [header, divider, ...rows].join('\n');
}
