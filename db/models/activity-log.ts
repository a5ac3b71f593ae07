import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type Sequelize,
} from 'sequelize';

export class ActivityLogRow extends Model<
  InferAttributes<ActivityLogRow>,
  InferCreationAttributes<ActivityLogRow>
> {
  /** BIGINT identity; returned by pg as a string. */
  declare id: CreationOptional<string>;
  declare userId: string;
  declare action: string;
  declare ipAddress: string | null;
  declare userAgent: string | null;
  declare metadata: CreationOptional<Record<string, unknown>>;
  declare createdAt: CreationOptional<Date>;
}

export function initActivityLog(sequelize: Sequelize): typeof ActivityLogRow {
  // A class of its own per connection, initialised here; ActivityLogRow itself never is.
  class ActivityLog extends ActivityLogRow {}

  ActivityLog.init(
    {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
      userId: { type: DataTypes.UUID, allowNull: false },
      action: { type: DataTypes.STRING(64), allowNull: false },
      ipAddress: { type: DataTypes.INET, allowNull: true },
      userAgent: { type: DataTypes.TEXT, allowNull: true },
      metadata: { type: DataTypes.JSONB, allowNull: false, defaultValue: {} },
      createdAt: DataTypes.DATE,
    },
    { sequelize, tableName: 'activity_logs', modelName: 'ActivityLog', updatedAt: false },
  );
  return ActivityLog;
}

/** A model class of its own per connection: no process-wide state shared between databases. */
export type ActivityLogModel = typeof ActivityLogRow;
