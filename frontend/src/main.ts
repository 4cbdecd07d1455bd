import { bootstrapApplication } from '@angular/platform-browser';
import { AppComponent } from './app/app.component';
import { appConfig } from './app/app.config';

bootstrapApplication(AppComponent, appConfig).catch((err: unknown) => {
  // Nothing else can report a failed bootstrap: the app never rendered.
  // eslint-disable-next-line no-console
  console.error(err);
});
