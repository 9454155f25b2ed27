/**
 * Persistence of the control plane's world state, behind an interface (the way Powertools keeps
 * `BasePersistenceLayer` apart from `DynamoDBPersistenceLayer`), so the engine can be tested with any store.
 */
import type { ClusterState, Effect, GlobalState, WorldState } from '../core/types';

/** One entry of the action journal: every effect is journalled before it is carried out. */
export interface JournalEntry {
  readonly clusterId: string;
  /** ISO time of the decision. */
  readonly at: string;
  readonly effect: Effect;
  /** PLANNED before execution; DONE or FAILED after. */
  readonly phase: 'PLANNED' | 'DONE' | 'FAILED';
  readonly eventId: string;
  readonly reason: string;
  readonly result?: Record<string, unknown>;
}

/** What one decision writes, atomically. */
export interface StateCommit {
  /** The state as it was read (versions are checked against it). */
  readonly previous: WorldState;
  /** The state to write; only entries whose version changed are written. */
  readonly next: WorldState;
  /** The event being applied: recorded so a redelivered event is recognised as a duplicate. */
  readonly eventId: string;
  /** Journal entries for the decision's plan. */
  readonly journal: readonly JournalEntry[];
}

/** Reads and writes the world state with optimistic locking. */
export interface StateStore {
  /** Reads every cluster's state (a missing item: the core's `initialClusterState`) and the global state. */
  load(clusterIds: readonly string[]): Promise<WorldState>;
  /** True when this event id was already applied. */
  wasApplied(eventId: string): Promise<boolean>;
  /**
   * Writes every changed state item, the processed-event marker and the journal in ONE transaction,
   * conditional on the versions read.
   * @throws StateConflictError when another invocation wrote first (re-load and decide again)
   * @throws DuplicateEventError when the event was applied meanwhile
   */
  commit(commit: StateCommit): Promise<void>;
  /** Updates the phase/result of journal entries after execution (best effort, outside the transaction). */
  recordOutcome(entry: JournalEntry): Promise<void>;
  /** The most recent journal entries of a cluster, newest first. */
  journal(clusterId: string, limit: number): Promise<JournalEntry[]>;
}

/** The cluster states and the global state whose version changed between `previous` and `next`. */
export function changedItems(previous: WorldState, next: WorldState): { clusters: ClusterState[]; global?: GlobalState } {
  const clusters = Object.values(next.clusters).filter((c) => c.version !== (previous.clusters[c.clusterId]?.version ?? 0));
  return { clusters, global: next.global.version !== previous.global.version ? next.global : undefined };
}
