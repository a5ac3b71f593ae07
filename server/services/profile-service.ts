import { AppError } from '../errors.js';
import type { UpdateProfileInput } from '../schemas/profile.js';
import type { Origin, Viewer } from './types.js';
import type { ServiceDependencies } from './index.js';
import { toUserView } from './user-view.js';

export type ProfileServiceDependencies = Pick<ServiceDependencies, 'clock'> & {
  repositories: Pick<ServiceDependencies['repositories'], 'users' | 'activity' | 'transaction'>;
};

export class ProfileService {
  constructor(private readonly deps: ProfileServiceDependencies) {}

  async get(viewer: Viewer) {
    const user = await this.deps.repositories.users.findProfileById(viewer.userId);
    if (!user) throw new AppError('TOKEN_INVALID');
    return toUserView(user);
  }

  async update(viewer: Viewer, input: UpdateProfileInput, origin: Origin) {
    const { repositories, clock } = this.deps;
    const user = await repositories.transaction(async (transaction) => {
      const current = await repositories.users.findById(viewer.userId, transaction);
      if (!current) throw new AppError('TOKEN_INVALID');
      if (input.full_name === undefined || input.full_name === current.fullName) return current;
      const updated = await repositories.users.update(
        viewer.userId,
        { fullName: input.full_name },
        transaction,
      );
      await repositories.activity.record(
        {
          userId: viewer.userId,
          action: 'profile_update',
          ...origin,
          at: clock.now(),
          metadata: { fields: ['full_name'] },
        },
        transaction,
      );
      return updated!;
    });
    return { message: 'Profile updated successfully.', user: toUserView(user) };
  }
}
