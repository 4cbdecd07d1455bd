import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { SYSTEM_ACTOR } from '@backend/auth/principal';
import { APP_CONFIG, type AppConfig } from '@backend/config/app-config';
import { LOGGER } from '@backend/config/config.module';
import { FacilityImportService } from './facility-import.service';
import { findSitePlans, loadSitePlan } from './site-plan';

/** Seeds and updates the facility from `floorplans/` when an api process starts (idempotent). */
@Injectable()
export class FloorplanStartupService {
  constructor(
    private readonly importer: FacilityImportService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async importAll(): Promise<void> {
    const sites = findSitePlans(this.config.floorplansDir);
    if (sites.length === 0) this.logger.warn({ dir: this.config.floorplansDir }, 'no site plans found to import');
    for (const dir of sites) await this.importer.importSite(SYSTEM_ACTOR, loadSitePlan(dir), { onlyIfChanged: true });
  }
}
