/** Plain records handed to services: never Sequelize instances. */
export interface UserRecord {
  id: string;
  email: string;
  fullName: string;
  passwordHash: string;
  isActive: boolean;
  isStaff: boolean;
  isSuperuser: boolean;
  isVerified: boolean;
  lastLogin: Date | null;
  lastLoginIp: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What the contract shows of a user (server/services/user-view.ts), and no more. */
export type UserProfileRecord = Pick<
  UserRecord,
  'id' | 'email' | 'fullName' | 'isVerified' | 'isStaff' | 'createdAt' | 'lastLogin'
>;

export interface SessionRecord {
  id: string;
  userId: string;
  createdAt: Date;
  lastUsedAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  revokedReason: string | null;
  ipAddress: string | null;
  userAgent: string | null;
}

export interface RefreshTokenRecord {
  id: string;
  sessionId: string;
  tokenHash: string;
  parentId: string | null;
  issuedAt: Date;
  expiresAt: Date;
  consumedAt: Date | null;
  revokedAt: Date | null;
}

export interface ActivityRecord {
  id: string;
  userId: string;
  action: string;
  ipAddress: string | null;
  userAgent: string | null;
  metadata: Record<string, unknown>;
  createdAt: Date;
  /** Emails of the accounts named in the metadata, when the query asked for them. */
  actorEmail?: string | null;
  targetEmail?: string | null;
}

/** Where a request came from, as recorded on sessions and activity entries. */
export interface Origin {
  ip: string | null;
  userAgent: string | null;
}
