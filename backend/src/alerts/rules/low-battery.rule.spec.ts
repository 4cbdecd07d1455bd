import { evaluateLowBattery, RESOLVED_BATTERY_OK, type TagBattery } from './low-battery.rule';

const SETTINGS = { percent: 20, mv: 2500 };

function tag(fields: Partial<TagBattery> = {}): TagBattery {
  return { tagId: 'AB01', batteryMv: null, batteryPercent: null, assetName: null, ...fields };
}

describe(evaluateLowBattery.name, () => {
  it('opens an alert for a battery below the percentage, labelled with the asset name', () => {
    const t = tag({ batteryPercent: 12, assetName: 'Infusion pump 7' });

    expect(evaluateLowBattery([t], [], SETTINGS)).toEqual([
      {
        action: 'open',
        tag: t,
        label: 'Infusion pump 7',
        details: { batteryMv: null, batteryPercent: 12, assetName: 'Infusion pump 7' },
      },
    ]);
  });

  it('opens an alert for a voltage below the threshold, labelled with the tag id when unbound', () => {
    const [decision] = evaluateLowBattery([tag({ batteryMv: 2400 })], [], SETTINGS);

    expect(decision).toMatchObject({ action: 'open', label: 'AB01' });
  });

  it('decides nothing for healthy tags or tags without battery figures', () => {
    expect(
      evaluateLowBattery(
        [tag({ batteryPercent: 20 }), tag({ tagId: 'AB02', batteryMv: 2500 }), tag({ tagId: 'AB03' })],
        [],
        SETTINGS,
      ),
    ).toEqual([]);
  });

  it('keeps the alert while the battery is above the threshold but within the hysteresis', () => {
    expect(evaluateLowBattery([tag({ batteryPercent: 24 })], ['AB01'], SETTINGS)).toEqual([
      { action: 'keep', tagId: 'AB01' },
    ]);
    expect(evaluateLowBattery([tag({ batteryMv: 2599 })], ['AB01'], SETTINGS)).toEqual([
      { action: 'keep', tagId: 'AB01' },
    ]);
  });

  it('resolves once the battery is the hysteresis above the threshold (replaced)', () => {
    expect(evaluateLowBattery([tag({ batteryPercent: 25 })], ['AB01'], SETTINGS)).toEqual([
      { action: 'resolve', tagId: 'AB01', reason: RESOLVED_BATTERY_OK },
    ]);
    expect(evaluateLowBattery([tag({ batteryMv: 3000, batteryPercent: 100 })], ['AB01'], SETTINGS)).toEqual([
      { action: 'resolve', tagId: 'AB01', reason: RESOLVED_BATTERY_OK },
    ]);
  });

  it('does not resolve while one of the two figures is still low', () => {
    expect(evaluateLowBattery([tag({ batteryMv: 2300, batteryPercent: 90 })], ['AB01'], SETTINGS)).toEqual([
      { action: 'keep', tagId: 'AB01' },
    ]);
  });

  it('keeps an alert of a tag without telemetry', () => {
    expect(evaluateLowBattery([], ['AB09'], SETTINGS)).toEqual([{ action: 'keep', tagId: 'AB09' }]);
  });
});
