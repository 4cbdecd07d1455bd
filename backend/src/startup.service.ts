import { Injectable, type OnApplicationBootstrap, Optional } from '@nestjs/common';
import { DemoService } from './demo/demo.service';
import { FloorplanStartupService } from './facility/floorplan-startup.service';

/** What an api process does once at start, in order: facility from floorplans/, then the demo (embedded only). */
@Injectable()
export class StartupService implements OnApplicationBootstrap {
  constructor(
    private readonly floorplans: FloorplanStartupService,
    @Optional() private readonly demo?: DemoService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.floorplans.importAll();
    await this.demo?.seed();
  }
}
