import type { UserProfileRecord } from '../repositories/index.js';
import type { UserView } from '../schemas/user.js';

/** The user object of the contract; nothing else about a user ever leaves the service. */
export const toUserView = (user: UserProfileRecord): UserView => ({
  id: user.id,
  email: user.email,
  full_name: user.fullName,
  is_verified: user.isVerified,
  is_staff: user.isStaff,
  created_at: user.createdAt,
  last_login: user.lastLogin,
});
