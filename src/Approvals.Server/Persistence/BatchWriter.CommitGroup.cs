using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Approvals.Server.Persistence;

public static partial class BatchWriter
{
    /// <summary>
    /// Group commit for the writes of one database. When more writes arrive while one is being written, they are written together:
    /// one batch, one transaction and one commit for all of them, sent on the connection of the request that leads the
    /// round. A write that comes when fewer than <see cref="MaxLeaders"/> rounds are running leads its own at once, so
    /// a lone write waits for nothing. Each write still commits whole or not at all, and a write that fails does not fail
    /// the others: the statement that failed is known (the first of the batch that did not complete), its write gets the
    /// error and the others are written again without it.
    /// </summary>
    /// <remarks>
    /// Why (issue 9): each decision committed on its own, so every one paid for a transaction's start and commit, a WAL
    /// flush and a round trip. The case rows of every write in a round come first, in the order of their ids: a round
    /// takes its case rows' locks in the same order as any other round or single write, as one write does on its own.
    /// A round's statements run whatever the leading request's cancellation says: one client going away must not cancel
    /// the others' writes. A write still waiting to be taken up is dropped when its own request is cancelled.
    /// </remarks>
    private sealed class CommitGroup
    {
        /// <summary>Rounds written at once, each on its leader's connection: one per core, at least two.</summary>
        internal static readonly int MaxLeaders = Math.Max(2, Environment.ProcessorCount);

        /// <summary>Statements one round takes at most (more wait for the next round); a single write larger than this is a round of its own.</summary>
        private const int MaxStatements = 1000;

        private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, CommitGroup> ByConnection = new();

        private readonly Lock _gate = new();
        private readonly LinkedList<Submission> _waiting = [];
        private int _leaders;

        public static CommitGroup For(string connection) => ByConnection.GetOrAdd(connection, static _ => new CommitGroup());

        /// <summary>A write waiting to be written, and what became of it.</summary>
        private sealed class Submission
        {
            public Submission(List<Write> writes)
            {
                Writes = writes;
                Node = new LinkedListNode<Submission>(this);
            }

            public List<Write> Writes { get; }
            public LinkedListNode<Submission> Node { get; }

            /// <summary>Wakes a waiting write: true when it is to lead the next round itself, false when a round wrote it.</summary>
            public TaskCompletionSource<bool> Wake { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

            public bool Done { get; private set; }
            public Exception? Error { get; private set; }

            /// <summary>Written (<paramref name="error"/> null) or refused; a write that waits is woken.</summary>
            public void Finish(Exception? error, bool leading)
            {
                (Done, Error) = (true, error);
                if (leading) return;
                if (error is null) Wake.TrySetResult(false);
                else Wake.TrySetException(error);
            }
        }

        public async Task WriteAsync(PostgresApprovalsDb db, List<Write> writes, CancellationToken ct)
        {
            ct.ThrowIfCancellationRequested();
            var mine = new Submission(writes);
            bool lead;
            lock (_gate)
            {
                lead = _leaders < MaxLeaders;
                if (lead) _leaders++;
                else _waiting.AddLast(mine.Node);
            }
            if (!lead)
            {
                await using (ct.Register(() => Withdraw(mine, ct)))
                    lead = await mine.Wake.Task; // throws this write's error
                if (!lead) return;
            }
            try
            {
                while (!mine.Done) await RoundAsync(db, mine);
            }
            finally
            {
                HandOver();
            }
            if (mine.Error is { } error) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        }

        /// <summary>Drops a write its request gave up on, unless a round already took it up.</summary>
        private void Withdraw(Submission s, CancellationToken ct)
        {
            lock (_gate)
            {
                if (s.Node.List is null) return;
                _waiting.Remove(s.Node);
            }
            s.Wake.TrySetCanceled(ct);
        }

        /// <summary>The leader's part is done: the first write waiting leads the next round, or there is none.</summary>
        private void HandOver()
        {
            Submission? next = null;
            lock (_gate)
            {
                if (_waiting.First is { } first)
                {
                    _waiting.RemoveFirst();
                    next = first.Value;
                }
                else _leaders--;
            }
            next?.Wake.TrySetResult(true);
        }

        /// <summary>
        /// The statement of <paramref name="batch"/> that failed with <paramref name="e"/>: the one the driver names, or else the
        /// first that did not complete (in the batch's one transaction, a statement runs only when every one before it completed).
        /// </summary>
        private static NpgsqlBatchCommand? Failed(NpgsqlBatch batch, PostgresException e) =>
            e.BatchCommand ?? batch.BatchCommands.FirstOrDefault<NpgsqlBatchCommand>(c => c.StatementType == StatementType.Unknown);

        /// <summary>
        /// One round: the leader's write and as many waiting ones as fit, in one batch. Afterwards every write of the round
        /// is written, or has its error, or (when another's failed) waits again at the front.
        /// </summary>
        private async Task RoundAsync(PostgresApprovalsDb db, Submission mine)
        {
            var round = new List<Submission> { mine };
            var statements = mine.Writes.Count;
            lock (_gate)
            {
                while (_waiting.First is { } next && statements + next.Value.Writes.Count <= MaxStatements)
                {
                    _waiting.RemoveFirst();
                    round.Add(next.Value);
                    statements += next.Value.Writes.Count;
                }
            }

            // Each write's statements, built before anything is sent: a write that cannot be built fails alone.
            var built = new List<(Submission Owner, Write Write, NpgsqlBatchCommand Command)>(statements);
            foreach (var s in round.ToList())
            {
                try
                {
                    foreach (var w in s.Writes) built.Add((s, w, w.Table.Command(w)));
                }
                catch (Exception e)
                {
                    built.RemoveAll(x => x.Owner == s);
                    round.Remove(s);
                    s.Finish(e, leading: s == mine);
                }
            }
            if (round.Count == 0) return;

            // Every case row of the round first, by id (stable: a case written twice keeps the round's order), then the
            // rest of each write in its own order.
            var owners = new Dictionary<NpgsqlBatchCommand, (Submission Owner, Write Write)>(ReferenceEqualityComparer.Instance);
            await using var batch = new NpgsqlBatch((NpgsqlConnection)db.Database.GetDbConnection());
            foreach (var (owner, write, command) in built.Where(x => x.Write.Row is CaseRow).OrderBy(x => ((CaseRow)x.Write.Row).Id)
                .Concat(built.Where(x => x.Write.Row is not CaseRow)))
            {
                owners[command] = (owner, write);
                batch.BatchCommands.Add(command);
            }
            Exception? failedAll = null;
            (Submission Owner, Exception Error)? blamed = null;
            var opened = false;
            try
            {
                await db.Database.OpenConnectionAsync(CancellationToken.None);
                opened = true;
                await batch.ExecuteNonQueryAsync(CancellationToken.None);
            }
            catch (PostgresException e) when (Failed(batch, e) is { } failed && owners.TryGetValue(failed, out var owner))
            {
                blamed = (owner.Owner, Translate(e, owner.Write));
            }
            catch (Exception e)
            {
                failedAll = e is PostgresException pe ? Translate(pe, null) : e;
            }
            finally
            {
                if (opened) await db.Database.CloseConnectionAsync();
            }

            if (blamed is not { } b)
            {
                foreach (var s in round) s.Finish(failedAll, leading: s == mine);
                return;
            }
            var (culprit, error) = b;
            culprit.Finish(error, leading: culprit == mine);
            // Nothing of the round was kept: the others wait again, first in line (the leader's own goes again in its next round).
            lock (_gate)
                for (var i = round.Count - 1; i >= 0; i--)
                    if (round[i] != culprit && round[i] != mine) _waiting.AddFirst(round[i].Node);
        }
    }
}
