import {
  type DeviceOfflineDecision,
  type DeviceOfflineDetails,
  type DeviceOfflineSettings,
  evaluateDeviceOffline,
  type MonitoredDevice,
  type OpenDeviceOfflineAlert,
  RESOLVED_BACK_ONLINE,
  RESOLVED_REMOVED,
  RESOLVED_REVOKED,
} from './device-offline.rule';

const T0 = Date.UTC(2026, 10, 25, 10, 0, 0);
const at = (ms: number) => new Date(T0 + ms);
const SEC = 1000;
const MIN = 60 * SEC;
const DEFAULTS: DeviceOfflineSettings = { offlineAfterMs: 5 * MIN, onlineResolveMs: 2 * MIN };

function device(overrides: Partial<MonitoredDevice> = {}): MonitoredDevice {
  return {
    id: 'dev-1',
    code: 'RDR-L1-03',
    name: 'Ward 4 West corridor reader',
    siteId: 'site-1',
    careUnit: '4 West',
    lastSeenAt: at(0),
    createdAt: at(-24 * 60 * MIN),
    revokedAt: null,
    ...overrides,
  };
}

const alertFor = (deviceId: string, details: DeviceOfflineDetails = {}): OpenDeviceOfflineAlert => ({
  deviceId,
  details,
});

describe(evaluateDeviceOffline.name, () => {
  describe('without an alert', () => {
    it('opens one for a device silent longer than the threshold, with what an operator needs', () => {
      const sut = device();

      const decisions = evaluateDeviceOffline([sut], [], at(5 * MIN + 1), DEFAULTS);

      expect(decisions).toEqual([
        {
          action: 'open',
          device: sut,
          details: {
            deviceName: 'Ward 4 West corridor reader',
            lastSeenAt: at(0).toISOString(),
            silentSince: at(0).toISOString(),
          },
        },
      ]);
    });

    it('says nothing about a device silent exactly as long as the threshold, or less', () => {
      expect(evaluateDeviceOffline([device()], [], at(5 * MIN), DEFAULTS)).toEqual([]);
      expect(evaluateDeviceOffline([device()], [], at(30 * SEC), DEFAULTS)).toEqual([]);
    });

    it('counts a never-heard device from its registration', () => {
      const fresh = device({ id: 'new', lastSeenAt: null, createdAt: at(-4 * MIN) });
      const forgotten = device({ id: 'old', lastSeenAt: null, createdAt: at(-6 * MIN) });

      const decisions = evaluateDeviceOffline([fresh, forgotten], [], at(0), DEFAULTS);

      expect(decisions).toEqual([
        {
          action: 'open',
          device: forgotten,
          details: { deviceName: forgotten.name, lastSeenAt: null, silentSince: at(-6 * MIN).toISOString() },
        },
      ]);
    });

    it('never alerts about a revoked device, however long it is silent', () => {
      const revoked = device({ lastSeenAt: at(-10 * 24 * 60 * MIN), revokedAt: at(-MIN) });

      expect(evaluateDeviceOffline([revoked], [], at(0), DEFAULTS)).toEqual([]);
    });

    it('uses the configured threshold', () => {
      const decisions = evaluateDeviceOffline([device()], [], at(61 * SEC), {
        offlineAfterMs: MIN,
        onlineResolveMs: 0,
      });

      expect(decisions.map((d) => d.action)).toEqual(['open']);
    });
  });

  describe('with an unresolved alert', () => {
    it('keeps it while the device stays silent', () => {
      const decisions = evaluateDeviceOffline([device()], [alertFor('dev-1')], at(60 * MIN), DEFAULTS);

      expect(decisions).toEqual([{ action: 'keep', deviceId: 'dev-1' }]);
    });

    it('keeps it for a device that was never heard', () => {
      const never = device({ lastSeenAt: null });

      expect(evaluateDeviceOffline([never], [alertFor('dev-1')], at(0), DEFAULTS)).toEqual([
        { action: 'keep', deviceId: 'dev-1' },
      ]);
    });

    it('marks the device back since its latest read when it is heard again', () => {
      const back = device({ lastSeenAt: at(20 * MIN) });

      const decisions = evaluateDeviceOffline([back], [alertFor('dev-1')], at(20 * MIN + 10 * SEC), DEFAULTS);

      expect(decisions).toEqual([{ action: 'mark_back', deviceId: 'dev-1', backSince: at(20 * MIN) }]);
    });

    it('keeps it while the device has been back for less than the resolve time', () => {
      const back = device({ lastSeenAt: at(21 * MIN) });
      const alert = alertFor('dev-1', { backSince: at(20 * MIN).toISOString() });

      expect(evaluateDeviceOffline([back], [alert], at(21 * MIN), DEFAULTS)).toEqual([
        { action: 'keep', deviceId: 'dev-1' },
      ]);
    });

    it('resolves it once the reads since "back since" span the resolve time', () => {
      const back = device({ lastSeenAt: at(22 * MIN) });
      const alert = alertFor('dev-1', { backSince: at(20 * MIN).toISOString() });

      expect(evaluateDeviceOffline([back], [alert], at(22 * MIN + SEC), DEFAULTS)).toEqual([
        { action: 'resolve', deviceId: 'dev-1', reason: RESOLVED_BACK_ONLINE },
      ]);
    });

    it('does not resolve on a single read after the outage, however long ago it was', () => {
      const blip = device({ lastSeenAt: at(20 * MIN) });
      const alert = alertFor('dev-1', { backSince: at(20 * MIN).toISOString() });

      expect(evaluateDeviceOffline([blip], [alert], at(24 * MIN), DEFAULTS)).toEqual([
        { action: 'keep', deviceId: 'dev-1' },
      ]);
    });

    it('clears "back since" when the device falls silent again', () => {
      const blip = device({ lastSeenAt: at(20 * MIN) });
      const alert = alertFor('dev-1', { backSince: at(20 * MIN).toISOString() });

      expect(evaluateDeviceOffline([blip], [alert], at(25 * MIN + 1), DEFAULTS)).toEqual([
        { action: 'clear_back', deviceId: 'dev-1' },
      ]);
    });

    it('resolves at the first read when no resolve time is configured', () => {
      const back = device({ lastSeenAt: at(20 * MIN) });

      expect(
        evaluateDeviceOffline([back], [alertFor('dev-1')], at(20 * MIN), {
          offlineAfterMs: 5 * MIN,
          onlineResolveMs: 0,
        }),
      ).toEqual([{ action: 'resolve', deviceId: 'dev-1', reason: RESOLVED_BACK_ONLINE }]);
    });

    it('treats an unreadable "back since" as not set', () => {
      const back = device({ lastSeenAt: at(20 * MIN) });
      const alert = alertFor('dev-1', { backSince: 'yesterday' });

      expect(evaluateDeviceOffline([back], [alert], at(20 * MIN), DEFAULTS)).toEqual([
        { action: 'mark_back', deviceId: 'dev-1', backSince: at(20 * MIN) },
      ]);
    });

    it('resolves the alert of a revoked device', () => {
      const revoked = device({ revokedAt: at(-MIN), lastSeenAt: at(-60 * MIN) });

      expect(evaluateDeviceOffline([revoked], [alertFor('dev-1')], at(0), DEFAULTS)).toEqual([
        { action: 'resolve', deviceId: 'dev-1', reason: RESOLVED_REVOKED },
      ]);
    });

    it('resolves the alert of a device that no longer exists', () => {
      expect(evaluateDeviceOffline([], [alertFor('gone')], at(0), DEFAULTS)).toEqual([
        { action: 'resolve', deviceId: 'gone', reason: RESOLVED_REMOVED },
      ]);
    });
  });

  it('decides for each device on its own', () => {
    const silent = device({ id: 'silent', lastSeenAt: at(-10 * MIN) });
    const fine = device({ id: 'fine', lastSeenAt: at(-SEC) });
    const stillDown = device({ id: 'down', lastSeenAt: at(-60 * MIN) });
    const recovering = device({ id: 'back', lastSeenAt: at(-SEC) });

    const decisions = evaluateDeviceOffline(
      [silent, fine, stillDown, recovering],
      [alertFor('down'), alertFor('back')],
      at(0),
      DEFAULTS,
    );

    expect(decisions.map((d) => [d.action, 'deviceId' in d ? d.deviceId : d.device.id])).toEqual([
      ['open', 'silent'],
      ['keep', 'down'],
      ['mark_back', 'back'],
    ]);
  });

  /** What the evaluator writes for a decision, applied to the alert's details (null: no unresolved alert). */
  function applyDecision(details: DeviceOfflineDetails | null, decision: DeviceOfflineDecision) {
    switch (decision.action) {
      case 'open':
        return decision.details;
      case 'mark_back':
        return { ...details, backSince: decision.backSince.toISOString() };
      case 'clear_back': {
        const { backSince: _cleared, ...rest } = details ?? {};
        return rest;
      }
      case 'resolve':
        return null;
      case 'keep':
        return details;
    }
  }

  /**
   * Runs the rule every `tickMs` against a device that is heard every `readEveryMs` while `heard(t)`,
   * keeping the alert as the evaluator would, and counts what happened.
   */
  function simulate(
    settings: DeviceOfflineSettings,
    options: { untilMs: number; tickMs: number; readEveryMs: number; heard: (t: number) => boolean },
  ) {
    let lastSeenAt: Date | null = null;
    // The unresolved alert's details, null while there is none.
    let details: DeviceOfflineDetails | null = null;
    const log: { t: number; decision: DeviceOfflineDecision }[] = [];
    for (let t = 0; t <= options.untilMs; t += SEC) {
      if (t % options.readEveryMs === 0 && options.heard(t)) lastSeenAt = at(t);
      if (t % options.tickMs !== 0) continue;
      const subject = device({ lastSeenAt, createdAt: at(-MIN) });
      const open = details === null ? [] : [alertFor(subject.id, details)];
      for (const decision of evaluateDeviceOffline([subject], open, at(t), settings)) {
        log.push({ t, decision });
        details = applyDecision(details, decision);
      }
    }
    const count = (action: DeviceOfflineDecision['action']) => log.filter((e) => e.decision.action === action).length;
    return { log, count, open: details !== null };
  }

  it('opens ONE alert for a device flapping every 60 s and never resolves it while it flaps', () => {
    // Heard for 60 s, silent for 60 s, over and over, for two hours; each silence outlasts the threshold.
    const sut = simulate(
      { offlineAfterMs: 45 * SEC, onlineResolveMs: 2 * MIN },
      { untilMs: 2 * 60 * MIN, tickMs: 15 * SEC, readEveryMs: 5 * SEC, heard: (t) => Math.floor(t / MIN) % 2 === 1 },
    );

    expect(sut.count('open')).toBe(1);
    expect(sut.count('resolve')).toBe(0);
    expect(sut.count('mark_back')).toBeGreaterThan(50);
    expect(sut.count('clear_back')).toBeGreaterThan(50);
    expect(sut.open).toBe(true);
  });

  it('resolves the flapping device once it stays up for the resolve time', () => {
    // The heard phase that starts at minute 59 never ends.
    const steadyFrom = 59 * MIN;
    const sut = simulate(
      { offlineAfterMs: 45 * SEC, onlineResolveMs: 2 * MIN },
      {
        untilMs: 2 * 60 * MIN,
        tickMs: 15 * SEC,
        readEveryMs: 5 * SEC,
        heard: (t) => t >= steadyFrom || Math.floor(t / MIN) % 2 === 1,
      },
    );

    expect(sut.count('open')).toBe(1);
    expect(sut.count('resolve')).toBe(1);
    const resolvedAt = sut.log.find((e) => e.decision.action === 'resolve')!.t;
    expect(resolvedAt).toBeGreaterThanOrEqual(steadyFrom + 2 * MIN);
    expect(resolvedAt).toBeLessThanOrEqual(steadyFrom + 2 * MIN + 15 * SEC);
    expect(sut.open).toBe(false);
  });

  it('keeps one alert for a device heard once every 6 minutes with the default 5-minute threshold', () => {
    const sut = simulate(DEFAULTS, {
      untilMs: 3 * 60 * MIN,
      tickMs: 30 * SEC,
      readEveryMs: 6 * MIN,
      heard: () => true,
    });

    expect(sut.count('open')).toBe(1);
    expect(sut.count('resolve')).toBe(0);
  });

  it('does not count gaps shorter than the threshold as silence', () => {
    // Silent since registration, then heard in 60 s bursts with 60 s gaps: under 5 minutes, so online.
    const sut = simulate(DEFAULTS, {
      untilMs: 30 * MIN,
      tickMs: 30 * SEC,
      readEveryMs: 5 * SEC,
      heard: (t) => t >= 10 * MIN && Math.floor(t / MIN) % 2 === 0,
    });

    expect(sut.count('open')).toBe(1);
    expect(sut.count('resolve')).toBe(1);
    expect(sut.count('clear_back')).toBe(0);
    expect(sut.open).toBe(false);
  });

  it('opens again after a resolved outage when the device goes silent once more', () => {
    const sut = simulate(DEFAULTS, {
      untilMs: 60 * MIN,
      tickMs: 30 * SEC,
      readEveryMs: 5 * SEC,
      heard: (t) => (t >= 10 * MIN && t < 20 * MIN) || t >= 40 * MIN,
    });

    expect(sut.log.map((e) => e.decision.action).filter((a) => a === 'open' || a === 'resolve')).toEqual([
      'open',
      'resolve',
      'open',
      'resolve',
    ]);
  });
});
