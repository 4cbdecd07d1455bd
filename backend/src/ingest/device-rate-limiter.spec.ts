import { DeviceRateLimiter } from './device-rate-limiter';

describe(DeviceRateLimiter.name, () => {
  it('lets a reader burst, then holds it to its rate, and says how long to wait', () => {
    const sut = new DeviceRateLimiter(2, 3);
    expect([sut.take('r1', 0), sut.take('r1', 0), sut.take('r1', 0)]).toEqual([0, 0, 0]);
    expect(sut.take('r1', 0)).toBe(1);
    expect(sut.take('r1', 500)).toBe(0);
    expect(sut.take('r1', 500)).toBeGreaterThan(0);
  });

  it('keeps readers independent: one flooding reader does not starve another', () => {
    const sut = new DeviceRateLimiter(1, 1);
    expect(sut.take('flood', 0)).toBe(0);
    expect(sut.take('flood', 0)).toBeGreaterThan(0);
    expect(sut.take('quiet', 0)).toBe(0);
  });
});
