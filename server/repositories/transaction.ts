import type { Sequelize, Transaction } from 'sequelize';

/** Opaque to services: they pass it along, they never look inside. */
export type DbTransaction = Transaction;

export type TransactionRunner = <T>(work: (transaction: DbTransaction) => Promise<T>) => Promise<T>;

export const transactionRunner =
  (sequelize: Sequelize): TransactionRunner =>
  (work) =>
    sequelize.transaction((transaction) => work(transaction));

/**
 * Runs `work` once the transaction has committed, and never when it rolls back: for what must
 * follow a change only when the change is durable (a cache that mirrors it, say). The commit
 * waits for it, so the caller sees it done when its transaction returns.
 */
export function onCommit(transaction: DbTransaction, work: () => Promise<void>): void {
  transaction.afterCommit(() => work());
}
