import { provideHttpClient } from '@angular/common/http';
import { HttpEventType } from '@angular/common/http';
import { HttpTestingController, TestRequest, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import type { TagLocationDto } from '@wardtrack/contracts';
import { ICU_DETAIL, ICU_FLOOR, WARD_4_WEST, tagAt } from '../../testing/fixtures';
import { FLOOR_LIVE_PATH_SUFFIX } from './floor-map.api';
import { FloorMapStore, LIVE_RECONNECT_MS, LIVE_SAFETY_POLL_MS, TAG_POLL_INTERVAL_MS } from './floor-map.store';

const TAGS_4W = `/api/v1/floors/${WARD_4_WEST.id}/tags`;
const LIVE_4W = `/api/v1/floors/${WARD_4_WEST.id}${FLOOR_LIVE_PATH_SUFFIX}`;

/** A live stream as the test's server: it sends Server-Sent Events text as it grows. */
function liveStream(request: TestRequest) {
  let text = '';
  return {
    send(block: string): void {
      text += block;
      request.event({ type: HttpEventType.DownloadProgress, loaded: text.length, partialText: text });
    },
    end(): void {
      request.flush(text);
    },
  };
}

describe(FloorMapStore.name, () => {
  let sut: FloorMapStore;
  let backend: HttpTestingController;
  let createObjectURL: jest.SpyInstance<string, [Blob | MediaSource]>;
  let revokeObjectURL: jest.SpyInstance<void, [string]>;

  beforeEach(() => {
    jest.useFakeTimers({ now: Date.parse('2026-11-25T10:00:05.000Z') });
    let objectUrls = 0;
    createObjectURL = jest.spyOn(URL, 'createObjectURL').mockImplementation(() => `blob:plan-${++objectUrls}`);
    revokeObjectURL = jest.spyOn(URL, 'revokeObjectURL').mockImplementation(() => undefined);
    TestBed.configureTestingModule({
      providers: [provideHttpClient(), provideHttpClientTesting(), FloorMapStore],
    });
    sut = TestBed.inject(FloorMapStore);
    backend = TestBed.inject(HttpTestingController);
  });

  afterEach(() => {
    // Live streams stay open by design; everything else must have been answered.
    backend.match((request) => request.url.endsWith('/live'));
    backend.verify();
    jest.useRealTimers();
  });

  /** Selects 4 West and answers its zones and plan; the first tag poll is then pending. */
  function open4West(): void {
    sut.selectFloor(WARD_4_WEST.id);
    backend.expectOne(`/api/v1/floors/${WARD_4_WEST.id}`).flush(WARD_4_WEST);
    backend.expectOne(WARD_4_WEST.planUrl).flush(new Blob(['<svg/>'], { type: 'image/svg+xml' }));
    jest.advanceTimersByTime(0);
  }

  function answerPoll(tags: TagLocationDto[]): void {
    backend.expectOne(TAGS_4W).flush(tags);
  }

  function nextPoll(): TestRequest {
    jest.advanceTimersByTime(TAG_POLL_INTERVAL_MS);
    return backend.expectOne(TAGS_4W);
  }

  it('loads the floor list for the selector', () => {
    sut.loadFloors();
    backend.expectOne('/api/v1/floors').flush([WARD_4_WEST, ICU_FLOOR]);

    expect(sut.floorsStatus()).toBe('loaded');
    expect(sut.floors().map((floor) => floor.id)).toEqual([WARD_4_WEST.id, ICU_FLOOR.id]);
  });

  it('turns the floor’s located tags into labelled markers in map coordinates', () => {
    open4West();
    answerPoll([
      tagAt('T1', { x: 15, y: 10 }),
      tagAt('T2', { x: 45, y: 30, zoneId: 'zone-store', zoneName: 'Equipment store', asset: null }),
    ]);

    expect(sut.floor()?.zones).toHaveLength(2);
    expect(sut.planUrl()).toBe('blob:plan-1');
    expect(sut.markers().map(({ tagId, label, status, latLng }) => ({ tagId, label, status, latLng }))).toEqual([
      { tagId: 'T1', label: 'Pump T1', status: 'available', latLng: [30, 15] },
      { tagId: 'T2', label: 'T2', status: null, latLng: [10, 45] },
    ]);
    expect(sut.liveText()).toBe('Updated just now');
  });

  it('spreads tags in one zone around the zone’s point instead of stacking them', () => {
    open4West();
    answerPoll([tagAt('T1'), tagAt('T2'), tagAt('T3')]);

    const positions = sut.markers().map((marker) => marker.latLng.join(','));
    expect(new Set(positions).size).toBe(3);
    for (const marker of sut.markers()) {
      expect(Math.hypot(marker.latLng[0] - 30, marker.latLng[1] - 15)).toBeLessThan(1);
    }
  });

  it('polls every second, moving markers and keeping those that did not change', () => {
    open4West();
    answerPoll([tagAt('T1'), tagAt('T2', { x: 45, y: 30 })]);
    const [pumpBefore, movingBefore] = sut.markers();

    nextPoll().flush([tagAt('T1'), tagAt('T2', { x: 47, y: 30 })]);

    const [pumpAfter, movingAfter] = sut.markers();
    expect(pumpAfter).toBe(pumpBefore);
    expect(movingAfter.tagId).toBe(movingBefore.tagId);
    expect(movingAfter.latLng).toEqual([10, 47]);
  });

  it('removes the marker of a tag that left the floor', () => {
    open4West();
    answerPoll([tagAt('T1'), tagAt('T2')]);

    nextPoll().flush([tagAt('T2')]);

    expect(sut.markers().map((marker) => marker.tagId)).toEqual(['T2']);
    expect(sut.tagCount()).toBe(1);
  });

  it('never has two tag requests in flight on a slow network', () => {
    open4West();
    const slow = backend.expectOne(TAGS_4W);

    jest.advanceTimersByTime(3 * TAG_POLL_INTERVAL_MS);
    backend.expectNone(TAGS_4W);

    slow.flush([tagAt('T1')]);
    expect(sut.tagCount()).toBe(1);
    nextPoll().flush([tagAt('T1')]);
  });

  it('fetches at once when the live stream says tags changed, and stops polling twice a second', () => {
    open4West();
    const stream = liveStream(backend.expectOne(LIVE_4W));
    answerPoll([tagAt('T1')]);
    stream.send('retry: 1000\nevent: ready\ndata: {}\n\n');

    jest.advanceTimersByTime(5 * TAG_POLL_INTERVAL_MS);
    backend.expectNone(TAGS_4W);

    // Half a message first (the network splits it anywhere), then the rest.
    stream.send('event: tags\ndata: {"tagIds":');
    backend.expectNone(TAGS_4W);
    stream.send('["T1"]}\n\n');
    backend.expectOne(TAGS_4W).flush([tagAt('T1', { x: 47 })]);
    expect(sut.markers()[0].latLng).toEqual([30, 47]);

    // The safety net still refreshes now and then.
    jest.advanceTimersByTime(LIVE_SAFETY_POLL_MS);
    backend.expectOne(TAGS_4W).flush([tagAt('T1', { x: 47 })]);
  });

  it('fetches once more after a change pushed while a fetch was running', () => {
    open4West();
    const stream = liveStream(backend.expectOne(LIVE_4W));
    stream.send('event: ready\ndata: {}\n\n');
    const running = backend.expectOne(TAGS_4W);

    stream.send('event: tags\ndata: {"tagIds":["T1"]}\n\n');
    backend.expectNone(TAGS_4W);
    running.flush([tagAt('T1')]);
    jest.advanceTimersByTime(0);

    backend.expectOne(TAGS_4W).flush([tagAt('T1', { x: 20 })]);
    expect(sut.markers()[0].latLng).toEqual([30, 20]);
  });

  it('falls back to polling twice a second when the stream ends, and reconnects', () => {
    open4West();
    const stream = liveStream(backend.expectOne(LIVE_4W));
    stream.send('event: ready\ndata: {}\n\n');
    answerPoll([tagAt('T1')]);
    stream.end();

    nextPoll().flush([tagAt('T1')]);
    jest.advanceTimersByTime(LIVE_RECONNECT_MS);
    backend.expectOne(LIVE_4W);
    // Still polling until the new stream says it is ready.
    backend.expectOne(TAGS_4W).flush([tagAt('T1')]);
  });

  it('says the connection is lost while polls fail, and recovers by itself', () => {
    open4West();
    answerPoll([tagAt('T1')]);

    nextPoll().error(new ProgressEvent('error'), { status: 0, statusText: 'Unknown Error' });
    expect(sut.liveState()).toBe('lost');
    expect(sut.liveText()).toBe('Connection lost — retrying');
    expect(sut.tagCount()).toBe(1);

    nextPoll().flush([tagAt('T1')]);
    expect(sut.liveState()).toBe('live');
  });

  it('stops polling the old floor and releases its plan when another floor is chosen', () => {
    open4West();
    answerPoll([tagAt('T1')]);

    sut.selectFloor(ICU_FLOOR.id);
    expect(sut.markers()).toEqual([]);
    expect(revokeObjectURL).toHaveBeenCalledWith('blob:plan-1');
    backend.expectOne(`/api/v1/floors/${ICU_FLOOR.id}`).flush(ICU_DETAIL);
    backend.expectOne(ICU_FLOOR.planUrl).flush(new Blob(['<svg/>']));
    jest.advanceTimersByTime(0);
    backend.expectOne(`/api/v1/floors/${ICU_FLOOR.id}/tags`).flush([]);

    jest.advanceTimersByTime(TAG_POLL_INTERVAL_MS);
    backend.expectNone(TAGS_4W);
    backend.expectOne(`/api/v1/floors/${ICU_FLOOR.id}/tags`).flush([]);
    expect(sut.planUrl()).toBe('blob:plan-2');
    expect(createObjectURL).toHaveBeenCalledTimes(2);
  });

  it('explains a floor that does not exist', () => {
    sut.selectFloor('no-such-floor');
    backend
      .expectOne('/api/v1/floors/no-such-floor')
      .flush({ statusCode: 404, message: 'Not Found' }, { status: 404, statusText: 'Not Found' });

    expect(sut.floorError()).toContain('does not exist');
    jest.advanceTimersByTime(5 * TAG_POLL_INTERVAL_MS);
    backend.expectNone('/api/v1/floors/no-such-floor/tags');
  });

  it('filters the side panel list and groups it by zone', () => {
    open4West();
    answerPoll([
      tagAt('T1'),
      tagAt('T2', {
        zoneId: 'zone-store',
        zoneName: 'Equipment store',
        asset: { id: 'a', name: 'Wheelchair 7', assetType: 'Wheelchair', status: 'in_use' },
      }),
      tagAt('T3', { zoneId: 'zone-store', zoneName: 'Equipment store' }),
    ]);

    sut.setFilter('infusion pump');

    expect(sut.zoneGroups().map((group) => [group.zoneName, group.markers.map((marker) => marker.tagId)])).toEqual([
      ['Equipment store', ['T3']],
      ['Room 412', ['T1']],
    ]);
    expect([...sut.matchingTagIds()].sort()).toEqual(['T1', 'T3']);
  });

  it('releases the plan when the page goes away', () => {
    open4West();
    answerPoll([]);

    TestBed.resetTestingModule();

    expect(revokeObjectURL).toHaveBeenCalledWith('blob:plan-1');
  });
});
