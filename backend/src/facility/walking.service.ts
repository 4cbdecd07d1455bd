import { Inject, Injectable, Logger, NotFoundException, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Point, WalkingRouteDto } from '@wardtrack/contracts';
import type { DataSource } from 'typeorm';
import {
  buildWalkingGraph,
  DEFAULT_WALKING_COSTS,
  distancesFrom,
  shortestRoute,
  type VerticalLinkKind,
  type OpeningKind,
  type WalkingCosts,
  type WalkingGraph,
} from './walking-graph';

/** Optional provider: metre-equivalents of stairs and lifts (default DEFAULT_WALKING_COSTS). */
export const WALKING_COSTS = Symbol('WALKING_COSTS');

interface ZoneRow {
  id: string;
  floor_id: string;
  site_id: string;
  centroid_x: number;
  centroid_y: number;
}

interface ZoneEnd {
  zoneId: string;
  floorId: string;
  siteId: string;
  point: Point;
}

/** Centimetres are plenty for walking distances, and keep the numbers stable for comparisons. */
const round = (metres: number) => Math.round(metres * 100) / 100;

/**
 * Walking routes and distances between zones, on each site's walking graph (door points, lifts,
 * stairs). A site's graph is read from the database once and kept in memory; the importer calls
 * `invalidate()` after every import so the next request rebuilds it.
 */
@Injectable()
export class WalkingService {
  private readonly logger = new Logger(WalkingService.name);
  private readonly graphs = new Map<string, Promise<WalkingGraph>>();
  private readonly costs: WalkingCosts;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Optional() @Inject(WALKING_COSTS) costs?: WalkingCosts,
  ) {
    this.costs = costs ?? DEFAULT_WALKING_COSTS;
  }

  /** Forgets every cached graph (after an import, or any change to zones, openings or links). */
  invalidate(): void {
    // A load still running keeps its promise, but no longer in the cache: the next call reloads.
    this.graphs.clear();
  }

  /**
   * The shortest walking route from one zone's label point to another's; null when no route
   * joins them (zones of different sites, a zone without doors). Unknown zone: NotFoundException.
   */
  async route(fromZoneId: string, toZoneId: string): Promise<WalkingRouteDto | null> {
    const ends = await this.zoneEnds([fromZoneId, toZoneId]);
    const from = this.known(ends, fromZoneId);
    const to = this.known(ends, toZoneId);
    if (from.siteId !== to.siteId) return null;
    const graph = await this.graph(from.siteId);
    const route = shortestRoute(
      graph,
      { zoneId: from.zoneId, x: from.point[0], y: from.point[1] },
      { zoneId: to.zoneId, x: to.point[0], y: to.point[1] },
    );
    if (!route) return null;
    return {
      from: { zoneId: from.zoneId, floorId: from.floorId, point: from.point },
      to: { zoneId: to.zoneId, floorId: to.floorId, point: to.point },
      distanceM: round(route.distanceM),
      floorsChanged: route.floorsChanged,
      legs: route.legs,
    };
  }

  /**
   * Walking distance (metres, label point to label point) from one zone to each of many, in one
   * search: for ranking candidates such as the nearest available pump. Targets that no route
   * reaches, or that do not exist, map to null. Unknown source zone: NotFoundException.
   */
  async distances(fromZoneId: string, toZoneIds: readonly string[]): Promise<Map<string, number | null>> {
    const unique = [...new Set(toZoneIds)];
    const ends = await this.zoneEnds([fromZoneId, ...unique]);
    const from = this.known(ends, fromZoneId);
    const result = new Map<string, number | null>(unique.map((id) => [id, null]));
    const targets = unique.map((id) => ends.get(id)).filter((t): t is ZoneEnd => t?.siteId === from.siteId);
    if (targets.length === 0) return result;
    const graph = await this.graph(from.siteId);
    const found = distancesFrom(
      graph,
      { zoneId: from.zoneId, x: from.point[0], y: from.point[1] },
      targets.map((t) => ({ zoneId: t.zoneId, x: t.point[0], y: t.point[1] })),
    );
    targets.forEach((t, i) => result.set(t.zoneId, found[i] === null ? null : round(found[i])));
    return result;
  }

  /** The walking graph of a site, loaded once (concurrent callers share the load). */
  graph(siteId: string): Promise<WalkingGraph> {
    let graph = this.graphs.get(siteId);
    if (!graph) {
      const loading = this.load(siteId);
      graph = loading;
      this.graphs.set(siteId, loading);
      // A failed load is not cached: the next call tries again.
      loading.catch(() => {
        if (this.graphs.get(siteId) === loading) this.graphs.delete(siteId);
      });
    }
    return graph;
  }

  private async load(siteId: string): Promise<WalkingGraph> {
    const started = performance.now();
    const [floors, zones, openings, stops] = await Promise.all([
      this.dataSource.query<{ id: string; level: number }[]>(
        `SELECT f.id, f.level FROM floor f JOIN building b ON b.id = f.building_id WHERE b.site_id = $1`,
        [siteId],
      ),
      this.dataSource.query<{ id: string; floor_id: string }[]>(
        `SELECT z.id, z.floor_id FROM zone z JOIN floor f ON f.id = z.floor_id JOIN building b ON b.id = f.building_id
         WHERE b.site_id = $1 ORDER BY z.id`,
        [siteId],
      ),
      this.dataSource.query<{ zone_a_id: string; zone_b_id: string; x: number; y: number; kind: OpeningKind }[]>(
        `SELECT o.zone_a_id, o.zone_b_id, o.x, o.y, o.kind
         FROM opening o JOIN floor f ON f.id = o.floor_id JOIN building b ON b.id = f.building_id
         WHERE b.site_id = $1 ORDER BY o.zone_a_id, o.zone_b_id, o.x, o.y`,
        [siteId],
      ),
      this.dataSource.query<{ link_id: string; kind: VerticalLinkKind; zone_id: string }[]>(
        `SELECT l.id AS link_id, l.kind, s.zone_id
         FROM vertical_link l JOIN vertical_link_stop s ON s.link_id = l.id
         WHERE l.site_id = $1 ORDER BY l.code, s.position`,
        [siteId],
      ),
    ]);
    const links = new Map<string, { kind: VerticalLinkKind; zoneIds: string[] }>();
    for (const s of stops) {
      const link = links.get(s.link_id) ?? { kind: s.kind, zoneIds: [] };
      link.zoneIds.push(s.zone_id);
      links.set(s.link_id, link);
    }
    const graph = buildWalkingGraph(
      {
        floors,
        zones: zones.map((z) => ({ id: z.id, floorId: z.floor_id })),
        openings: openings.map((o) => ({ zoneIds: [o.zone_a_id, o.zone_b_id], at: [o.x, o.y], kind: o.kind })),
        verticalLinks: [...links.values()],
      },
      this.costs,
    );
    this.logger.log(
      `Walking graph of site ${siteId}: ${graph.nodes.length} door points, ${graph.edgeCount} edges, ` +
        `${links.size} lifts/stairs, loaded and built in ${(performance.now() - started).toFixed(1)} ms`,
    );
    return graph;
  }

  private async zoneEnds(zoneIds: string[]): Promise<Map<string, ZoneEnd>> {
    const rows = await this.dataSource.query<ZoneRow[]>(
      `SELECT z.id, z.floor_id, b.site_id, z.centroid_x, z.centroid_y
       FROM zone z JOIN floor f ON f.id = z.floor_id JOIN building b ON b.id = f.building_id
       WHERE z.id = ANY($1::uuid[])`,
      [zoneIds],
    );
    return new Map(
      rows.map((r) => [
        r.id,
        { zoneId: r.id, floorId: r.floor_id, siteId: r.site_id, point: [r.centroid_x, r.centroid_y] as Point },
      ]),
    );
  }

  private known(ends: Map<string, ZoneEnd>, zoneId: string): ZoneEnd {
    const end = ends.get(zoneId);
    if (!end) throw new NotFoundException(`Zone ${zoneId} not found`);
    return end;
  }
}
