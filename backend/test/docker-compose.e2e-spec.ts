import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The container setup (docker/): the Dockerfile is checked as text; compose.yaml through the compose
 * tool's own `config` (interpolation, anchors, schema), when one is installed. No Docker engine needed.
 */
const ROOT = resolve(__dirname, '../..');
const COMPOSE_FILE = join(ROOT, 'docker/compose.yaml');
const SECRET = 'k3J9xQ2mV7pL0sR5tY8wZ1aB4cD6eF9gH2jK5nM8';
const APP_SERVICES = ['migrate', 'api', 'worker'] as const;

/** `docker-compose` (v1 or v2 standalone) or the `docker compose` plugin, whichever answers. */
function findComposeTool(): string[] | null {
  for (const cmd of [['docker-compose'], ['docker', 'compose']]) {
    const r = spawnSync(cmd[0], [...cmd.slice(1), 'version'], { encoding: 'utf8', timeout: 20_000 });
    if (r.status === 0) return cmd;
  }
  return null;
}

type Yaml = string | Yaml[] | { [key: string]: Yaml } | null;
type Service = Record<string, Yaml>;

/**
 * Just enough YAML for `docker-compose config` (v1, PyYAML block style): maps, lists (also at the
 * parent's indent), plain / quoted scalars folded over several lines. Scalars stay strings.
 */
function parseYaml(text: string): Yaml {
  const lines = text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => ({ indent: l.length - l.trimStart().length, text: l.trim() }));
  let i = 0;
  const KEY = /^([A-Za-z0-9_.-]+|'[^']*'|"[^"]*"):(?: (.*))?$/;
  const unquote = (s: string): string =>
    s.startsWith("'") ? s.slice(1, -1).replace(/''/g, "'") : s.startsWith('"') ? (JSON.parse(s) as string) : s;
  const scalar = (first: string, indent: number): string => {
    let s = first;
    while (i < lines.length && lines[i].indent > indent) s += ` ${lines[i++].text}`;
    return s === '{}' ? s : unquote(s);
  };
  const block = (indent: number): Yaml => {
    if (i >= lines.length || lines[i].indent < indent) return null;
    if (lines[i].text.startsWith('- ') || lines[i].text === '-') {
      const list: Yaml[] = [];
      while (i < lines.length && lines[i].indent === indent && lines[i].text.startsWith('- ')) {
        const item = lines[i].text.slice(2);
        if (KEY.test(item) && !/^['"]/.test(item)) {
          lines[i] = { indent: indent + 2, text: item }; // "- key: v" opens a map at indent + 2
          list.push(block(indent + 2));
        } else {
          i++;
          list.push(scalar(item, indent));
        }
      }
      return list;
    }
    const map: Record<string, Yaml> = {};
    while (i < lines.length && lines[i].indent === indent && !lines[i].text.startsWith('- ')) {
      const m = KEY.exec(lines[i].text);
      if (!m) throw new Error(`unexpected YAML line: ${lines[i].text}`);
      i++;
      const key = unquote(m[1]);
      if (m[2] !== undefined && m[2] !== '') map[key] = m[2] === '{}' ? {} : scalar(m[2], indent);
      else if (i < lines.length && lines[i].indent > indent) map[key] = block(lines[i].indent);
      else if (i < lines.length && lines[i].indent === indent && lines[i].text.startsWith('- '))
        map[key] = block(indent);
      else map[key] = null;
    }
    return map;
  };
  return block(0);
}

/** Runs `<tool> -f docker/compose.yaml config` with exactly the given variables (no .env, no inherited ones). */
function composeConfig(tool: string[], vars: Record<string, string>, json: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'wt-compose-'));
  try {
    const emptyEnvFile = join(dir, 'empty.env');
    writeFileSync(emptyEnvFile, '');
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME ?? dir, ...vars };
    const args = [...tool.slice(1), '--env-file', emptyEnvFile, '-f', COMPOSE_FILE, 'config'];
    if (json) args.push('--format', 'json');
    return spawnSync(tool[0], args, { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const compose = findComposeTool();
const itCompose = compose ? it : it.skip;
const why = compose ? `(${compose.join(' ')})` : '(skipped: no docker-compose or docker compose on this machine)';

describe('docker compose setup', () => {
  let services: Record<string, Service> = {};

  beforeAll(() => {
    if (!compose) return;
    const vars = { AUTH_TOKEN_SECRET: SECRET, POSTGRES_PASSWORD: 'pgpass0123456789' };
    // Compose v2 prints JSON on request; v1 has no --format (it prints its usage, exit 0): then parse its YAML.
    const asJson = composeConfig(compose, vars, true);
    let config: Yaml;
    if (asJson.status === 0 && asJson.stdout.trimStart().startsWith('{')) {
      config = JSON.parse(asJson.stdout) as Yaml;
    } else {
      const asYaml = composeConfig(compose, vars, false);
      if (asYaml.status !== 0) throw new Error(`compose config failed:\n${asYaml.stderr}`);
      config = parseYaml(asYaml.stdout);
    }
    services = (config as Record<string, Record<string, Service>>).services;
  });

  const env = (name: string): Record<string, Yaml> => (services[name].environment ?? {}) as Record<string, Yaml>;
  const command = (name: string): string => {
    const c = services[name].command;
    if (typeof c === 'string') return c;
    return Array.isArray(c) ? c.filter((part): part is string => typeof part === 'string').join(' ') : '';
  };

  itCompose(`runs api and worker from one image with different roles ${why}`, () => {
    expect(services.api.image).toBe('wardtrack:local');
    expect(services.worker.image).toBe(services.api.image);
    expect(services.migrate.image).toBe(services.api.image);
    expect(env('api').ROLE).toBe('api');
    expect(env('worker').ROLE).toBe('worker');
    for (const name of APP_SERVICES) {
      expect(env(name).AUTH_TOKEN_SECRET).toBe(SECRET);
      expect(env(name).DATABASE_URL).toMatch(/^postgres:\/\/wardtrack:pgpass0123456789@postgres:5432\/wardtrack$/);
      expect(env(name).REDIS_URL).toBe('redis://redis:6379');
    }
    expect(services.worker.ports).toBeUndefined(); // scalable: nothing published
  });

  itCompose(`keeps accepted batches in Redis (AOF, noeviction) ${why}`, () => {
    expect(command('redis')).toContain('--appendonly yes');
    expect(command('redis')).toContain('--maxmemory-policy noeviction');
    expect(services.redis.volumes).toEqual([expect.stringMatching(/:\/data(:rw)?$/)]);
  });

  itCompose(`migrates once before api and worker start ${why}`, () => {
    expect(command('migrate')).toBe('node dist/backend/main.js migrate');
    expect(services.migrate.restart).toBe('no');
    for (const name of ['api', 'worker']) {
      const deps = services[name].depends_on as Record<string, { condition: string }>;
      expect(deps.migrate.condition).toBe('service_completed_successfully');
      expect(deps.redis.condition).toBe('service_healthy');
    }
    const migrateDeps = services.migrate.depends_on as Record<string, { condition: string }>;
    expect(migrateDeps.postgres.condition).toBe('service_healthy');
  });

  itCompose(`health-checks every long-running service ${why}`, () => {
    for (const name of ['postgres', 'redis', 'api', 'worker']) {
      const test = (services[name].healthcheck as { test?: string[] } | undefined)?.test;
      expect({ name, test: Array.isArray(test) && test.length > 1 && test[0] !== 'NONE' }).toEqual({
        name,
        test: true,
      });
    }
    const appCheck = (services.api.healthcheck as { test: string[] }).test.join(' ');
    expect(appCheck).toContain('/api/v1/health');
    expect(services.worker.healthcheck).toEqual(services.api.healthcheck);
  });

  itCompose(`refuses to render without AUTH_TOKEN_SECRET ${why}`, () => {
    const r = composeConfig(compose!, { POSTGRES_PASSWORD: 'pgpass0123456789' }, false);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('AUTH_TOKEN_SECRET');
  });
});

describe('Dockerfile', () => {
  // Continuation lines joined, comments dropped: one instruction per entry.
  const instructions = readFileSync(join(ROOT, 'docker/Dockerfile'), 'utf8')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const runtime = instructions.slice(instructions.map((l) => l.startsWith('FROM ')).lastIndexOf(true));

  it('runs dist/backend/main.js as a non-root user with a health check', () => {
    expect(runtime[0]).toMatch(/^FROM node:22-bookworm-slim\b/);
    const user = runtime.filter((l) => l.startsWith('USER ')).pop();
    expect(user).toBeDefined();
    expect(user!.split(/\s+/)[1]).not.toMatch(/^(root|0)(:|$)/);
    const healthcheck = runtime.find((l) => l.startsWith('HEALTHCHECK '));
    expect(healthcheck).toContain('/api/v1/health');
    const cmd = runtime.filter((l) => l.startsWith('CMD ')).pop();
    expect(JSON.parse(cmd!.slice(4))).toEqual(['node', 'dist/backend/main.js']);
    expect(runtime).toContain('ENV NODE_ENV=production');
    expect(runtime).toContain('EXPOSE 3000');
  });

  it('keeps local artefacts out of the build context', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', '.nx', '.git', 'data']));
  });
});
