/** The activity log, read a page at a time: a person's own, or (for staff) anyone's. */
import type { ActivityRecord } from '../repositories/index.js';
import type { ActivityListInput } from '../schemas/activity.js';
import { encodeCursor } from '../schemas/cursor.js';
import type { Page } from '../schemas/pagination.js';
import { toActivityView } from './account-views.js';
import type { Viewer } from './types.js';
import type { ServiceDependencies } from './index.js';

export type ActivityServiceDependencies = {
  repositories: Pick<ServiceDependencies['repositories'], 'activity'>;
};

export class ActivityService {
  constructor(private readonly deps: ActivityServiceDependencies) {}

  list(viewer: Viewer, query: ActivityListInput) {
    return this.page(viewer.userId, query, toActivityView);
  }

  /** Newest first; the cursor is the position of the last entry returned. */
  async page<T>(
    userId: string,
    query: ActivityListInput,
    view: (entry: ActivityRecord) => T,
    options: { withAccounts?: boolean } = {},
  ): Promise<Page<T>> {
    const { entries, next } = await this.deps.repositories.activity.page(userId, {
      limit: query.limit,
      after: query.cursor,
      actions: query.action ? [query.action] : undefined,
      withAccounts: options.withAccounts,
    });
    return {
      results: entries.map(view),
      next_cursor: next ? encodeCursor('activity', next) : null,
    };
  }
}
