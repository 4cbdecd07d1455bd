import { createHash } from 'node:crypto';
import {
  BadRequestException,
  ConflictException,
  HttpException,
  Injectable,
  NotFoundException,
  PayloadTooLargeException,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FloorDetailDto, Point, ZoneDto } from '@wardtrack/contracts';
import { type DataSource, type EntityManager, In, QueryFailedError } from 'typeorm';
import { AuditService, type AuditTrail } from '@backend/audit/audit.service';
import type { Actor } from '@backend/auth/principal';
import { Antenna, Device } from '@backend/devices/device.entities';
import { DeviceKeyService } from '@backend/devices/device-key.service';
import type { DeviceDto } from '@backend/devices/devices.dto';
import { DevicesService } from '@backend/devices/devices.service';
import type {
  BuildingDto,
  CreateBuildingBody,
  CreateFloorBody,
  CreateSiteBody,
  CreateZoneBody,
  FloorPlanImage,
  PlanUploadResultDto,
  ReplaceAntennasBody,
  SiteDto,
  UpdateBuildingBody,
  UpdateDeviceBody,
  UpdateFloorBody,
  UpdateSiteBody,
  UpdateZoneBody,
} from './facility-admin.dto';
import { Building, Floor, Site, Zone } from './facility.entities';
import { FacilityService, toZoneDto } from './facility.service';
import { labelPoint } from './geometry';
import { intersectionArea, MAX_OVERLAP_M2, pointInOrOnPolygon, polygonArea, selfIntersection } from './plan-check';
import {
  type MultipartRequest,
  PlanUploadError,
  type RecognisedPlan,
  receivePlanFile,
  recognisePlan,
} from './plan-upload';
import { sanitiseSvg, SvgRejected } from './svg-sanitiser';
import { WalkingService } from './walking.service';

type Snapshot = Record<string, unknown>;

const EPS = 1e-9;
const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const fmt = (v: number) => String(Math.round(v * 100) / 100);
const fmtPoint = ([x, y]: Point) => `[${fmt(x)}, ${fmt(y)}]`;
/** "A, B, C and 4 more" */
const listOf = (items: string[], max = 5) =>
  items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;

const siteView = (s: Site): Snapshot => ({ code: s.code, name: s.name, timeZone: s.timeZone });
const buildingView = (b: Building): Snapshot => ({ siteId: b.siteId, code: b.code, name: b.name });
const floorView = (f: Floor): Snapshot => ({
  buildingId: f.buildingId,
  code: f.code,
  name: f.name,
  level: f.level,
  widthM: f.widthM,
  heightM: f.heightM,
});
const zoneView = (z: Zone): Snapshot => ({
  floorId: z.floorId,
  code: z.code,
  name: z.name,
  kind: z.kind,
  careUnit: z.careUnit,
  polygon: z.polygon,
  centroid: [z.centroidX, z.centroidY],
});
const deviceView = (d: Device): Snapshot => ({
  code: d.code,
  name: d.name,
  kind: d.kind,
  vendorFormat: d.vendorFormat,
  floorId: d.floorId,
  x: d.x,
  y: d.y,
});
const antennaView = (antennas: Antenna[], zones: Map<string, Zone>) =>
  [...antennas]
    .sort((a, b) => a.port - b.port)
    .map((a) => ({ port: a.port, zoneId: a.zoneId, zone: zones.get(a.zoneId)?.code ?? null, side: a.side }));

const changed = (before: Snapshot, after: Snapshot) => JSON.stringify(before) !== JSON.stringify(after);

function toBuildingDto(b: Building): BuildingDto {
  return { id: b.id, siteId: b.siteId, code: b.code, name: b.name };
}

function toSiteDto(s: Site, buildings: Building[]): SiteDto {
  return {
    id: s.id,
    code: s.code,
    name: s.name,
    timeZone: s.timeZone,
    buildings: buildings.filter((b) => b.siteId === s.id).map(toBuildingDto),
  };
}

/** The zone name IANA and this runtime agree on: `europe/london` is stored as `Europe/London`. */
function canonicalTimeZone(timeZone: string): string {
  return new Intl.DateTimeFormat('en', { timeZone }).resolvedOptions().timeZone;
}

/**
 * What is wrong with a zone outline on a floor, or null: it must be open (first point not
 * repeated), inside the floor's extent, simple, with area, and overlap no other zone of the floor
 * by more than MAX_OVERLAP_M2 (the rules of floorplans/README.md, as `plan-check` applies them).
 */
export function zoneOutlineProblem(
  polygon: Point[],
  floor: { code: string; widthM: number; heightM: number },
  others: { code: string; polygon: Point[] }[],
): string | null {
  const [first, last] = [polygon[0], polygon[polygon.length - 1]];
  if (first[0] === last[0] && first[1] === last[1]) return 'polygon: do not repeat the first point at the end';
  const outside = polygon.find(([x, y]) => x < -EPS || y < -EPS || x > floor.widthM + EPS || y > floor.heightM + EPS);
  if (outside)
    return `polygon: point ${fmtPoint(outside)} is outside floor ${floor.code} (${fmt(floor.widthM)} × ${fmt(floor.heightM)} m)`;
  const crossing = selfIntersection(polygon);
  if (crossing) return `polygon: edges ${crossing[0]} and ${crossing[1]} touch or cross`;
  if (polygonArea(polygon) <= MAX_OVERLAP_M2) return 'polygon: the outline has no area';
  const overlaps = others
    .map((o) => ({ code: o.code, area: intersectionArea(polygon, o.polygon) }))
    .filter((o) => o.area > MAX_OVERLAP_M2)
    .map((o) => `${o.code} by ${o.area.toFixed(2)} m²`);
  return overlaps.length > 0
    ? `polygon: overlaps zone ${listOf(overlaps)} (zones of a floor may overlap by at most ${MAX_OVERLAP_M2} m²)`
    : null;
}

function planError(e: PlanUploadError): HttpException {
  switch (e.status) {
    case 413:
      return new PayloadTooLargeException(e.message);
    case 415:
      return new UnsupportedMediaTypeException(e.message);
    case 400:
      return new BadRequestException(e.message);
  }
}

/**
 * The admin side of the facility: sites, buildings, floors, zones, where devices hang and what
 * their antennas cover, and uploaded floor plans. Every change runs in one audited transaction
 * that first locks the site row, so two admins editing one site (or an admin and the importer)
 * take turns and the code and overlap checks see each other's work.
 */
@Injectable()
export class FacilityAdminService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly facility: FacilityService,
    private readonly devices: DevicesService,
    private readonly deviceKeys: DeviceKeyService,
    private readonly walking: WalkingService,
  ) {}

  // ---- sites and buildings -------------------------------------------------------------------

  async listSites(): Promise<SiteDto[]> {
    const [sites, buildings] = await Promise.all([
      this.dataSource.getRepository(Site).find({ order: { name: 'ASC' } }),
      this.dataSource.getRepository(Building).find({ order: { name: 'ASC' } }),
    ]);
    return sites.map((s) => toSiteDto(s, buildings));
  }

  createSite(actor: Actor, body: CreateSiteBody): Promise<SiteDto> {
    const duplicate = `A site with code ${body.code} already exists`;
    return this.write(actor, duplicate, async (tx, audit) => {
      const repo = tx.getRepository(Site);
      if (await repo.existsBy({ code: body.code })) throw new ConflictException(duplicate);
      const site = await repo.save(
        repo.create({ code: body.code, name: body.name, timeZone: canonicalTimeZone(body.timeZone) }),
      );
      audit.created('site', site.id, siteView(site));
      return toSiteDto(site, []);
    });
  }

  updateSite(actor: Actor, id: string, body: UpdateSiteBody): Promise<SiteDto> {
    return this.write(actor, null, async (tx, audit) => {
      const site = await this.lockSite(tx, id);
      const before = siteView(site);
      if (body?.name !== undefined) site.name = body.name;
      if (body?.timeZone !== undefined) site.timeZone = canonicalTimeZone(body.timeZone);
      if (changed(before, siteView(site))) {
        await tx.getRepository(Site).update({ id }, { name: site.name, timeZone: site.timeZone });
        audit.updated('site', id, before, siteView(site));
      }
      return toSiteDto(site, await tx.getRepository(Building).find({ where: { siteId: id }, order: { name: 'ASC' } }));
    });
  }

  createBuilding(actor: Actor, siteId: string, body: CreateBuildingBody): Promise<BuildingDto> {
    return this.write(actor, `A building with code ${body.code} already exists in this site`, async (tx, audit) => {
      const site = await this.lockSite(tx, siteId);
      const repo = tx.getRepository(Building);
      if (await repo.existsBy({ siteId, code: body.code }))
        throw new ConflictException(`A building with code ${body.code} already exists in site ${site.code}`);
      const building = await repo.save(repo.create({ siteId, code: body.code, name: body.name }));
      audit.created('building', building.id, buildingView(building));
      return toBuildingDto(building);
    });
  }

  updateBuilding(actor: Actor, id: string, body: UpdateBuildingBody): Promise<BuildingDto> {
    return this.write(actor, null, async (tx, audit) => {
      const building = await this.findOr404(tx, Building, id, 'Building');
      await this.lockSite(tx, building.siteId);
      const before = buildingView(building);
      if (body?.name !== undefined) building.name = body.name;
      if (changed(before, buildingView(building))) {
        await tx.getRepository(Building).update({ id }, { name: building.name });
        audit.updated('building', id, before, buildingView(building));
      }
      return toBuildingDto(building);
    });
  }

  // ---- floors --------------------------------------------------------------------------------

  async createFloor(actor: Actor, buildingId: string, body: CreateFloorBody): Promise<FloorDetailDto> {
    const id = await this.write(actor, `A floor with code ${body.code} already exists`, async (tx, audit) => {
      const building = await this.findOr404(tx, Building, buildingId, 'Building');
      const site = await this.lockSite(tx, building.siteId);
      await this.assertCodeFree(tx, 'floor', site, body.code);
      const repo = tx.getRepository(Floor);
      // A new floor has no drawing until one is uploaded (or the site folder provides one).
      const floor = await repo.save(
        repo.create({
          buildingId,
          code: body.code,
          name: body.name,
          level: body.level,
          widthM: body.widthM,
          heightM: body.heightM,
          planSvg: '',
        }),
      );
      audit.created('floor', floor.id, floorView(floor));
      return floor.id;
    });
    return this.facility.getFloor(id);
  }

  async updateFloor(actor: Actor, id: string, body: UpdateFloorBody): Promise<FloorDetailDto> {
    await this.write(actor, null, async (tx, audit) => {
      const { floor } = await this.lockFloor(tx, id);
      const before = floorView(floor);
      if (body?.name !== undefined) floor.name = body.name;
      if (body?.level !== undefined) floor.level = body.level;
      if (body?.widthM !== undefined) floor.widthM = body.widthM;
      if (body?.heightM !== undefined) floor.heightM = body.heightM;
      if (!changed(before, floorView(floor))) return;
      for (const zone of await tx.getRepository(Zone).findBy({ floorId: id })) {
        const outside = zone.polygon.find(([x, y]) => x > floor.widthM + EPS || y > floor.heightM + EPS);
        if (outside)
          throw new BadRequestException(
            `widthM, heightM: zone ${zone.code} reaches ${fmtPoint(outside)}, outside ${fmt(floor.widthM)} × ${fmt(floor.heightM)} m; change the zone first`,
          );
      }
      const { name, level, widthM, heightM } = floor;
      await tx.getRepository(Floor).update({ id }, { name, level, widthM, heightM });
      audit.updated('floor', id, before, floorView(floor));
    });
    return this.facility.getFloor(id);
  }

  /** Deletes a floor with its zones; refused while any device hangs on it or covers one of its zones. */
  deleteFloor(actor: Actor, id: string): Promise<void> {
    return this.write(actor, null, async (tx, audit) => {
      const { floor } = await this.lockFloor(tx, id);
      const placed = await tx.getRepository(Device).find({ where: { floorId: id }, order: { code: 'ASC' } });
      if (placed.length > 0)
        throw new ConflictException(
          `Floor ${floor.code} has devices on it: ${listOf(placed.map((d) => d.code))}; move or remove them first`,
        );
      const zones = await tx.getRepository(Zone).find({ where: { floorId: id }, order: { code: 'ASC' } });
      const covering = await this.antennasCovering(
        tx,
        zones.map((z) => z.id),
      );
      if (covering.length > 0)
        throw new ConflictException(
          `Zones of floor ${floor.code} are covered by ${listOf(covering.map((c) => `${c.device} port ${c.port} (${c.zone})`))}; replace those readers' antennas first`,
        );
      const [{ plan_svg: svg, plan_png: png }] = await tx.query<{ plan_svg: string; plan_png: Buffer | null }[]>(
        `SELECT plan_svg, plan_png FROM floor WHERE id = $1`,
        [id],
      );
      await tx.getRepository(Floor).delete({ id });
      for (const zone of zones) audit.deleted('zone', zone.id, zoneView(zone));
      audit.deleted('floor', id, { ...floorView(floor), planSha256: sha256(png ?? svg) });
    });
  }

  // ---- zones ---------------------------------------------------------------------------------

  async createZone(actor: Actor, floorId: string, body: CreateZoneBody): Promise<ZoneDto> {
    return this.write(actor, `A zone with code ${body.code} already exists on this floor`, async (tx, audit) => {
      const { floor, site } = await this.lockFloor(tx, floorId);
      await this.assertCodeFree(tx, 'zone', site, body.code);
      const others = await tx.getRepository(Zone).findBy({ floorId });
      const problem = zoneOutlineProblem(body.polygon, floor, others);
      if (problem) throw new BadRequestException(problem);
      const [cx, cy] = labelPoint(body.polygon);
      const repo = tx.getRepository(Zone);
      const zone = await repo.save(
        repo.create({
          floorId,
          code: body.code,
          name: body.name,
          kind: body.kind,
          careUnit: body.careUnit ?? null,
          polygon: body.polygon,
          centroidX: cx,
          centroidY: cy,
        }),
      );
      audit.created('zone', zone.id, zoneView(zone));
      return toZoneDto(zone);
    });
  }

  updateZone(actor: Actor, id: string, body: UpdateZoneBody): Promise<ZoneDto> {
    return this.write(actor, null, async (tx, audit) => {
      const { floor } = await this.lockFloor(tx, (await this.findOr404(tx, Zone, id, 'Zone')).floorId);
      const zone = await this.findOr404(tx, Zone, id, 'Zone'); // again, now that the site is ours
      const before = zoneView(zone);
      if (body?.name !== undefined) zone.name = body.name;
      if (body?.kind !== undefined) zone.kind = body.kind;
      if (body?.careUnit !== undefined) zone.careUnit = body.careUnit;
      if (body?.polygon !== undefined) {
        const others = (await tx.getRepository(Zone).findBy({ floorId: zone.floorId })).filter((z) => z.id !== id);
        const problem = zoneOutlineProblem(body.polygon, floor, others);
        if (problem) throw new BadRequestException(problem);
        const stranded = await this.devicesLeftOutside(tx, zone, others, body.polygon);
        if (stranded.length > 0)
          throw new BadRequestException(
            `polygon: ${listOf(stranded)} would then be mounted in no zone; move ${stranded.length === 1 ? 'it' : 'them'} first`,
          );
        zone.polygon = body.polygon;
        [zone.centroidX, zone.centroidY] = labelPoint(body.polygon);
      }
      if (zone.kind !== 'doorway' && zone.kind !== 'exit') {
        const portals = (await this.antennasCovering(tx, [id])).filter((a) => a.side !== null);
        if (portals.length > 0)
          throw new BadRequestException(
            `kind: ${listOf(portals.map((p) => `${p.device} port ${p.port}`))} watch this zone as a portal, which needs a doorway or exit`,
          );
      }
      if (changed(before, zoneView(zone))) {
        const { name, kind, careUnit, polygon, centroidX, centroidY } = zone;
        await tx.getRepository(Zone).update({ id }, { name, kind, careUnit, polygon, centroidX, centroidY });
        audit.updated('zone', id, before, zoneView(zone));
      }
      return toZoneDto(zone);
    });
  }

  /** Deletes a zone; refused while an antenna covers it or a device is mounted in it alone. */
  deleteZone(actor: Actor, id: string): Promise<void> {
    return this.write(actor, null, async (tx, audit) => {
      await this.lockFloor(tx, (await this.findOr404(tx, Zone, id, 'Zone')).floorId);
      const zone = await this.findOr404(tx, Zone, id, 'Zone');
      const covering = await this.antennasCovering(tx, [id]);
      if (covering.length > 0)
        throw new ConflictException(
          `Zone ${zone.code} is covered by ${listOf(covering.map((c) => `${c.device} port ${c.port}`))}; replace that reader's antennas first`,
        );
      const others = (await tx.getRepository(Zone).findBy({ floorId: zone.floorId })).filter((z) => z.id !== id);
      const stranded = await this.devicesLeftOutside(tx, zone, others, null);
      if (stranded.length > 0)
        throw new ConflictException(`Zone ${zone.code} holds the mounting point of ${listOf(stranded)}; move it first`);
      await tx.getRepository(Zone).delete({ id });
      audit.deleted('zone', id, zoneView(zone));
    });
  }

  // ---- devices -------------------------------------------------------------------------------

  /** Renames a device, changes its format, or places it: the point must lie inside a zone of the floor. */
  async updateDevice(actor: Actor, id: string, body: UpdateDeviceBody): Promise<DeviceDto> {
    const formatChanged = await this.write(actor, null, async (tx, audit) => {
      const device = await tx.getRepository(Device).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!device) throw new NotFoundException(`Device ${id} not found`);
      const before = deviceView(device);
      if (body?.name !== undefined) device.name = body.name;
      if (body?.vendorFormat !== undefined) device.vendorFormat = body.vendorFormat;
      if (body?.floorId !== undefined || body?.x !== undefined || body?.y !== undefined) {
        await this.place(tx, device, body);
      }
      if (!changed(before, deviceView(device))) return false;
      const { name, vendorFormat, floorId, x, y } = device;
      await tx.getRepository(Device).update({ id }, { name, vendorFormat, floorId, x, y });
      audit.updated('device', id, before, deviceView(device));
      return before.vendorFormat !== device.vendorFormat;
    });
    // The key cache holds the format the device posts in.
    if (formatChanged) this.deviceKeys.forget(id);
    return this.devices.get(id);
  }

  /** Replaces all antennas of a reader. */
  async replaceAntennas(actor: Actor, id: string, body: ReplaceAntennasBody): Promise<DeviceDto> {
    await this.write(actor, null, async (tx, audit) => {
      const device = await tx.getRepository(Device).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!device) throw new NotFoundException(`Device ${id} not found`);
      const wanted = body.antennas;
      if (device.kind === 'ble_gateway' && wanted.length > 0)
        throw new BadRequestException(`antennas: ${device.code} is a BLE gateway; gateways have no antennas`);
      const existing = await tx.getRepository(Antenna).findBy({ deviceId: id });
      const zoneIds = [...new Set([...wanted, ...existing].map((a) => a.zoneId))];
      const zones = new Map(
        (zoneIds.length > 0 ? await tx.getRepository(Zone).findBy({ id: In(zoneIds) }) : []).map((z) => [z.id, z]),
      );
      const floorCodes = new Map(
        (await tx.getRepository(Floor).findBy({ id: In([...new Set([...zones.values()].map((z) => z.floorId))]) })).map(
          (f) => [f.id, f.code],
        ),
      );
      const ports = new Set<number>();
      wanted.forEach((a, i) => {
        const at = `antennas[${i}]`;
        if (ports.has(a.port)) throw new BadRequestException(`${at}.port: port ${a.port} is listed twice`);
        ports.add(a.port);
        const zone = zones.get(a.zoneId);
        if (!zone) throw new BadRequestException(`${at}.zoneId: zone ${a.zoneId} does not exist`);
        if (device.floorId && zone.floorId !== device.floorId)
          throw new BadRequestException(
            `${at}.zoneId: zone ${zone.code} is on floor ${floorCodes.get(zone.floorId)}, but ${device.code} hangs on floor ${floorCodes.get(device.floorId) ?? device.floorId}`,
          );
        if (a.side === undefined) return;
        if (zone.kind !== 'doorway' && zone.kind !== 'exit')
          throw new BadRequestException(
            `${at}.side: zone ${zone.code} is a ${zone.kind}; a side (portal) needs a doorway or exit zone`,
          );
        const sides = wanted
          .filter((w) => w.zoneId === a.zoneId)
          .map((w) => w.side ?? '-')
          .sort()
          .join(',');
        if (sides !== 'inside,outside')
          throw new BadRequestException(
            `${at}.side: the portal on ${zone.code} needs one inside and one outside antenna (has ${sides})`,
          );
      });
      const repo = tx.getRepository(Antenna);
      await repo.delete({ deviceId: id });
      const saved = await repo.save(
        wanted.map((a) => repo.create({ deviceId: id, port: a.port, zoneId: a.zoneId, side: a.side ?? null })),
      );
      const before = { ...deviceView(device), antennas: antennaView(existing, zones) };
      const after = { ...deviceView(device), antennas: antennaView(saved, zones) };
      if (changed(before, after)) audit.updated('device', id, before, after);
    });
    return this.devices.get(id);
  }

  // ---- floor plans ---------------------------------------------------------------------------

  /**
   * Stores an uploaded plan with the floor: an SVG is sanitised first (what was removed is
   * reported and audited); a PNG is kept as sent. Either way the floor's plan is marked as an
   * upload, so the site importer leaves it alone.
   */
  async uploadPlan(actor: Actor, floorId: string, request: MultipartRequest): Promise<PlanUploadResultDto> {
    if (!(await this.dataSource.getRepository(Floor).existsBy({ id: floorId })))
      throw new NotFoundException(`Floor ${floorId} not found`);
    let plan: RecognisedPlan;
    let filename: string;
    try {
      const file = await receivePlanFile(request);
      filename = file.filename;
      plan = recognisePlan(file.declaredType, file.bytes);
    } catch (e) {
      throw e instanceof PlanUploadError ? planError(e) : e;
    }
    let svg: { text: string; removed: string[]; viewBox: number[] } | null = null;
    if (plan.contentType === 'image/svg+xml') {
      try {
        const sanitised = sanitiseSvg(plan.text);
        svg = { text: sanitised.svg, removed: sanitised.removed, viewBox: sanitised.viewBox };
      } catch (e) {
        if (e instanceof SvgRejected) throw new BadRequestException(`plan: ${e.message}`);
        throw e;
      }
    }
    const stored = plan.contentType === 'image/png' ? plan.bytes : svg!.text;
    return this.write(actor, null, async (tx, audit) => {
      const { floor } = await this.lockFloor(tx, floorId);
      const [old] = await tx.query<
        { plan_svg: string; plan_png: Buffer | null; plan_content_type: string; plan_source: string }[]
      >(`SELECT plan_svg, plan_png, plan_content_type, plan_source FROM floor WHERE id = $1`, [floorId]);
      if (plan.contentType === 'image/svg+xml') {
        await tx.query(
          `UPDATE floor SET plan_svg = $2, plan_png = NULL, plan_content_type = 'image/svg+xml', plan_source = 'upload'
           WHERE id = $1`,
          [floorId, stored],
        );
      } else {
        await tx.query(
          `UPDATE floor SET plan_png = $2, plan_content_type = 'image/png', plan_source = 'upload' WHERE id = $1`,
          [floorId, stored],
        );
      }
      const warnings: string[] = [];
      const [w, h] = [floor.widthM, floor.heightM];
      if (svg) {
        const [x0, y0, vw, vh] = svg.viewBox;
        if (Math.abs(x0) > 0.01 || Math.abs(y0) > 0.01 || Math.abs(vw - w) > 0.01 || Math.abs(vh - h) > 0.01)
          warnings.push(
            `the drawing's viewBox is "${svg.viewBox.join(' ')}" but floor ${floor.code} is ${fmt(w)} × ${fmt(h)} m: ` +
              `zones line up with the drawing only when its viewBox is "0 0 ${fmt(w)} ${fmt(h)}"`,
          );
      } else if (plan.contentType === 'image/png') {
        const ratio = plan.widthPx / plan.heightPx;
        if (Math.abs(ratio / (w / h) - 1) > 0.02)
          warnings.push(
            `the image is ${plan.widthPx} × ${plan.heightPx} px but floor ${floor.code} is ${fmt(w)} × ${fmt(h)} m: ` +
              'it will be stretched to the floor',
          );
      }
      const result: PlanUploadResultDto = {
        floorId,
        contentType: plan.contentType,
        bytes: Buffer.byteLength(stored),
        sha256: sha256(stored),
        widthPx: plan.contentType === 'image/png' ? plan.widthPx : null,
        heightPx: plan.contentType === 'image/png' ? plan.heightPx : null,
        removed: svg?.removed ?? [],
        warnings,
      };
      audit.updated(
        'floor',
        floorId,
        {
          planSha256: sha256(old.plan_content_type === 'image/png' && old.plan_png ? old.plan_png : old.plan_svg),
          planContentType: old.plan_content_type,
          planSource: old.plan_source,
        },
        {
          planSha256: result.sha256,
          planContentType: result.contentType,
          planSource: 'upload',
          planBytes: result.bytes,
          filename,
          removed: result.removed,
          ...(result.widthPx === null ? {} : { widthPx: result.widthPx, heightPx: result.heightPx }),
        },
      );
      return result;
    });
  }

  /** The floor's current plan image: the uploaded PNG, or the SVG drawing. */
  async getFloorPlan(id: string): Promise<FloorPlanImage> {
    const [row] = await this.dataSource.query<
      { plan_content_type: string; plan_svg: string; plan_png: Buffer | null; code: string }[]
    >(`SELECT code, plan_content_type, plan_svg, plan_png FROM floor WHERE id = $1`, [id]);
    if (!row) throw new NotFoundException(`Floor ${id} not found`);
    if (row.plan_content_type === 'image/png' && row.plan_png) return { contentType: 'image/png', body: row.plan_png };
    if (row.plan_svg === '') throw new NotFoundException(`Floor ${row.code} has no plan yet`);
    return { contentType: 'image/svg+xml', body: row.plan_svg };
  }

  // ---- helpers -------------------------------------------------------------------------------

  /** Runs audited work; a unique-constraint race (the checks passed in two transactions at once) becomes a 409. */
  private async write<T>(
    actor: Actor,
    duplicate: string | null,
    work: (tx: EntityManager, audit: AuditTrail) => Promise<T>,
  ): Promise<T> {
    try {
      const result = await this.audit.transaction(actor, work);
      // Zones, floors and placements shape the walking graph: rebuild it on the next route request.
      this.walking.invalidate();
      return result;
    } catch (e) {
      if (duplicate && e instanceof QueryFailedError && (e.driverError as { code?: string }).code === '23505')
        throw new ConflictException(duplicate);
      throw e;
    }
  }

  private async findOr404<T extends { id: string }>(
    tx: EntityManager,
    entity: new () => T,
    id: string,
    label: string,
  ): Promise<T> {
    const found = await tx.getRepository(entity).findOneBy({ id } as never);
    if (!found) throw new NotFoundException(`${label} ${id} not found`);
    return found;
  }

  /** Locks the site row for the rest of the transaction (admin writes to one site take turns). */
  private async lockSite(tx: EntityManager, id: string): Promise<Site> {
    const site = await tx.getRepository(Site).findOne({ where: { id }, lock: { mode: 'for_no_key_update' } });
    if (!site) throw new NotFoundException(`Site ${id} not found`);
    return site;
  }

  private async lockFloor(tx: EntityManager, id: string): Promise<{ floor: Floor; site: Site }> {
    const floor = await this.findOr404(tx, Floor, id, 'Floor');
    const building = await tx.getRepository(Building).findOneByOrFail({ id: floor.buildingId });
    return { floor, site: await this.lockSite(tx, building.siteId) };
  }

  /** Floor and zone codes are unique in their whole site (devices and site.json refer to them by code). */
  private async assertCodeFree(tx: EntityManager, kind: 'floor' | 'zone', site: Site, code: string): Promise<void> {
    const sql =
      kind === 'floor'
        ? `SELECT f.code FROM floor f JOIN building b ON b.id = f.building_id WHERE b.site_id = $1 AND f.code = $2`
        : `SELECT z.code FROM zone z JOIN floor f ON f.id = z.floor_id JOIN building b ON b.id = f.building_id
           WHERE b.site_id = $1 AND z.code = $2`;
    const rows = await tx.query<unknown[]>(sql, [site.id, code]);
    if (rows.length > 0) throw new ConflictException(`A ${kind} with code ${code} already exists in site ${site.code}`);
  }

  private antennasCovering(
    tx: EntityManager,
    zoneIds: string[],
  ): Promise<{ device: string; port: number; zone: string; side: string | null }[]> {
    if (zoneIds.length === 0) return Promise.resolve([]);
    return tx.query(
      `SELECT d.code AS device, a.port, z.code AS zone, a.side FROM antenna a
       JOIN device d ON d.id = a.device_id JOIN zone z ON z.id = a.zone_id
       WHERE a.zone_id = ANY($1::uuid[]) ORDER BY d.code, a.port`,
      [zoneIds],
    );
  }

  /** Devices mounted in `zone` that no other zone of the floor (nor its new outline, if any) would hold. */
  private async devicesLeftOutside(
    tx: EntityManager,
    zone: Zone,
    others: Zone[],
    newOutline: Point[] | null,
  ): Promise<string[]> {
    const devices = await tx.getRepository(Device).find({ where: { floorId: zone.floorId }, order: { code: 'ASC' } });
    return devices
      .filter((d) => d.x !== null && d.y !== null)
      .filter((d) => {
        const p: Point = [d.x!, d.y!];
        return (
          pointInOrOnPolygon(p, zone.polygon) &&
          !(newOutline && pointInOrOnPolygon(p, newOutline)) &&
          !others.some((o) => pointInOrOnPolygon(p, o.polygon))
        );
      })
      .map((d) => d.code);
  }

  /** Applies a placement change: on a floor, at a point inside one of its zones; or off the map. */
  private async place(tx: EntityManager, device: Device, body: UpdateDeviceBody): Promise<void> {
    const floorId = body.floorId !== undefined ? body.floorId : device.floorId;
    if (floorId === null) {
      if ((body.x ?? null) !== null || (body.y ?? null) !== null)
        throw new BadRequestException('x, y: a device on no floor has no position; give floorId as well');
      Object.assign(device, { floorId: null, x: null, y: null });
      return;
    }
    const floor = await tx.getRepository(Floor).findOneBy({ id: floorId });
    if (!floor) throw new BadRequestException(`floorId: floor ${floorId} does not exist`);
    const x = body.x !== undefined ? body.x : device.x;
    const y = body.y !== undefined ? body.y : device.y;
    if (x === null || y === null)
      throw new BadRequestException(`x, y: give the mounting point on floor ${floor.code} (metres)`);
    const zones = await tx.getRepository(Zone).findBy({ floorId });
    if (!zones.some((z) => pointInOrOnPolygon([x, y], z.polygon)))
      throw new BadRequestException(
        `x, y: ${fmtPoint([x, y])} lies in no zone of floor ${floor.code}; a device must be mounted inside a zone`,
      );
    const elsewhere = (await this.antennasOf(tx, device.id)).filter((a) => a.floor_id !== floorId);
    if (elsewhere.length > 0)
      throw new BadRequestException(
        `floorId: antennas of ${device.code} cover zones of another floor (${listOf(elsewhere.map((a) => `port ${a.port}: ${a.zone}`))}); replace its antennas first`,
      );
    Object.assign(device, { floorId, x, y });
  }

  private antennasOf(tx: EntityManager, deviceId: string): Promise<{ port: number; zone: string; floor_id: string }[]> {
    return tx.query(
      `SELECT a.port, z.code AS zone, z.floor_id FROM antenna a JOIN zone z ON z.id = a.zone_id
       WHERE a.device_id = $1 ORDER BY a.port`,
      [deviceId],
    );
  }
}
