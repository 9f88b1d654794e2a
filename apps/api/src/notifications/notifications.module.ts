import { Module, type DynamicModule } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { NOTIFICATIONS_DS, NotificationsRoute } from './notifications.route';

/** GET /notifications/dead-letters and POST /notifications/:id/replay; the notifier itself is a process of its own (apps/notifier). */
@Module({})
export class NotificationsModule {
  static forRoot(deps: { readModels: DataSource }): DynamicModule {
    return { module: NotificationsModule, controllers: [NotificationsRoute], providers: [{ provide: NOTIFICATIONS_DS, useValue: deps.readModels }] };
  }
}
