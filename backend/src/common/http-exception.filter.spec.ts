import { QueryFailedError } from 'typeorm';
import { isDatabaseUnavailable } from './http-exception.filter';

describe(isDatabaseUnavailable.name, () => {
  it('recognises PostgreSQL restarting or unreachable, as pg and TypeORM report it', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const starting = Object.assign(new Error('the database system is starting up'), { code: '57P03' });
    const terminated = new Error('Connection terminated unexpectedly');
    const wrapped = new QueryFailedError(
      'SELECT 1',
      [],
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
    );

    for (const e of [refused, starting, terminated, wrapped]) expect(isDatabaseUnavailable(e)).toBe(true);
  });

  it('leaves real bugs and bad SQL as server errors', () => {
    const syntax = new QueryFailedError(
      'SELEC 1',
      [],
      Object.assign(new Error('syntax error at or near "SELEC"'), { code: '42601' }),
    );
    const unique = Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' });

    for (const e of [syntax, unique, new TypeError('x is undefined'), 'boom', null]) {
      expect(isDatabaseUnavailable(e)).toBe(false);
    }
  });
});
