using System.Collections.Concurrent;
using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.CompilerServices;
using Approvals.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Approvals.Server.Features.Tasks;

/// <summary>Where a page of the inbox starts: at the top, after a task with a due date, or after one without.</summary>
internal enum InboxCursor { None, Due, NoDue }

/// <summary>
/// What decides the inbox statement's shape, as opposed to its values: how many statuses are asked for (0: any),
/// where the page starts, whether the caller is an administrator, whether the store sorts nulls last, and whether
/// the tasks offered to the caller are walked in order (many candidate rows) or looked up (few; see <see cref="InboxGates"/>),
/// and whether only open tasks are asked for (<see cref="OpenOnly"/>).
/// </summary>
/// <param name="OpenOnly">
/// Every status asked for is <c>Open</c>: no task the statement could return has been decided, so the branch of tasks the
/// caller decided is left out (a third of the statement's branches at the inbox's usual first page; PostgreSQL sets up
/// every branch's plan nodes on each run, docs/performance.md).
/// </param>
internal readonly record struct InboxShape(int Statuses, InboxCursor After, bool Admin, bool NullsLast, bool Many = false, bool OpenOnly = false);

/// <summary>
/// The values of one inbox read. <see cref="InboxReads"/> builds its statement over these fields; <see cref="InboxQuery"/>
/// turns each field into a parameter of the compiled statement, so no value is ever baked into it.
/// </summary>
internal sealed class InboxArgs
{
    public string Me = "";
    public int Take;
    public DateTimeOffset Created;
    public DateTimeOffset Due;
    public Guid Id;
    public string Status0 = "";
    public string Status1 = "";
    public string Status2 = "";

    /// <summary>
    /// The first <see cref="Take"/> rows of <paramref name="query"/>, the count read from this object when the statement
    /// runs: <see cref="Queryable.Take{TSource}(IQueryable{TSource}, int)"/> would take the value it has now.
    /// </summary>
    public IQueryable<T> Page<T>(IQueryable<T> query) =>
        query.Provider.CreateQuery<T>(Expression.Call(typeof(Queryable), nameof(Queryable.Take), [typeof(T)],
            query.Expression, Expression.Field(Expression.Constant(this), nameof(Take))));
}

/// <summary>A task of an inbox page, with its case's summary (not its state: a page never shows it) and its candidates.</summary>
internal sealed class InboxRow
{
    public TaskRow Task { get; init; } = null!;
    public Cases.CaseSummary? Case { get; init; }
    public List<TaskCandidateRow> Candidates { get; init; } = [];

    /// <summary>
    /// Whether at most <see cref="InboxReads.LookupUpTo"/> candidate rows name the caller or their groups, read in the
    /// statement's snapshot: a statement that looked the offered tasks up when there were more read an incomplete set.
    /// </summary>
    public bool Few { get; init; }
}

/// <summary>
/// The inbox statement compiled once per shape (EF Core's <see cref="EF.CompileAsyncQuery{TContext, TParam1, TResult}(Expression{Func{TContext, TParam1, IQueryable{TResult}}})"/>).
/// The statement is a UNION of a dozen ordered subqueries; built and handed to EF Core per request, EF Core walked,
/// hashed and parameterised that whole expression tree on every read, which made the inbox most of the server's
/// allocations under load (issue 9, docs/performance.md). A compiled statement binds its parameters and runs.
/// </summary>
internal static class InboxQuery
{
    private delegate IAsyncEnumerable<InboxRow> Compiled(ApprovalsDb db, string me, int take, DateTimeOffset created,
        DateTimeOffset due, Guid id, string status0, string status1, string status2);

    /// <summary>Per model (tests run several in one process, on both stores), per shape.</summary>
    private static readonly ConditionalWeakTable<IModel, ConcurrentDictionary<InboxShape, Compiled>> Cache = new();

    /// <summary>The first <paramref name="a"/>.Take tasks of the caller's inbox in its order (see <see cref="InboxReads"/>).</summary>
    public static async Task<List<InboxRow>> ReadAsync(ApprovalsDb db, InboxShape shape, InboxArgs a, CancellationToken ct)
    {
        var compiled = Cache.GetOrCreateValue(db.Model).GetOrAdd(shape, static (s, db) => Compile(db, s), db);
        var rows = new List<InboxRow>(a.Take);
        // PostgreSQL plans a prepared statement again on every run when it expects a plan for the values at hand to be
        // cheaper than one for any values. For this statement that is never so (every branch is an ordered index read
        // cut at a page, gated by subqueries that run first), and planning its dozen branches costs more than running
        // them: with 10 closed cases per open one, re-planning took most of PostgreSQL's time (docs/performance.md).
        // The plan made once per connection is used instead, for this statement only.
        // The setting and its reset travel with the statement, in one round trip (GenericPlanInterceptor).
        await foreach (var row in compiled(db, a.Me, a.Take, a.Created, a.Due, a.Id, a.Status0, a.Status1, a.Status2).WithCancellation(ct))
            rows.Add(row);
        return rows;
    }

    /// <summary>Whether at most <see cref="InboxReads.LookupUpTo"/> candidate rows name <paramref name="me"/> or their groups: one small statement.</summary>
    public static async Task<bool> FewAsync(ApprovalsDb db, string me, CancellationToken ct)
    {
        var reads = new InboxReads(db, new InboxArgs { Me = me });
        return await reads.ByUser.Concat(reads.ByGroup).CountAsync(ct) <= InboxReads.LookupUpTo;
    }

    /// <summary>The statement of one shape over placeholder values, each <see cref="InboxArgs"/> field made a parameter.</summary>
    internal static IQueryable<InboxRow> Build(ApprovalsDb db, InboxShape shape, InboxArgs a)
    {
        var reads = new InboxReads(db, a);
        var union = InboxReads.Regions(db.Tasks.AsNoTracking(), shape, a)
            .SelectMany(region => reads.Branches(region, shape))
            .Aggregate((all, branch) => all.Union(branch));
        var (byUser, byGroup) = (reads.ByUser, reads.ByGroup);
        var page =
            from t in a.Page(union.OrderBy(t => t.DueAt == null).ThenBy(t => t.DueAt).ThenBy(t => t.CreatedAt).ThenBy(t => t.Id))
            join c in db.Cases.AsNoTracking() on t.CaseId equals c.Id into cases
            from c in cases.DefaultIfEmpty()
            select new InboxRow
            {
                Task = t,
                Case = c == null ? null : new Cases.CaseSummary(c.Id, c.WorkflowKey, c.WorkflowVersion, c.Title, c.Status, c.Requester, c.Outcome),
                Candidates = t.Candidates.ToList(),
                Few = byUser.Count() + byGroup.Count() <= InboxReads.LookupUpTo,
            };
        return page.TagWith(GenericPlanInterceptor.Tag);
    }

    private static Compiled Compile(ApprovalsDb db, InboxShape shape)
    {
        return EF.CompileAsyncQuery(Lambda(db, shape)).Invoke;
    }

    internal static Expression<Func<ApprovalsDb, string, int, DateTimeOffset, DateTimeOffset, Guid, string, string, string, IQueryable<InboxRow>>> Lambda(
        ApprovalsDb db, InboxShape shape)
    {
        // Placeholder values nobody would ask for: if one of them turns up in the statement as a constant, a value was
        // copied out of the fields instead of read from them, and the compiled statement would keep it.
        var placeholder = new InboxArgs
        {
            Me = "\u0001me", Take = 987_654_321, Created = DateTimeOffset.UnixEpoch.AddTicks(13), Due = DateTimeOffset.UnixEpoch.AddTicks(17),
            Id = new Guid("0badc0de-0000-4000-8000-000000000001"), Status0 = "\u0001s0", Status1 = "\u0001s1", Status2 = "\u0001s2",
        };
        var query = Build(db, shape, placeholder);
        var context = Expression.Parameter(typeof(ApprovalsDb), "db");
        var slots = typeof(InboxArgs).GetFields().ToDictionary(f => f.Name, f => Expression.Parameter(f.FieldType, f.Name));
        var body = new Parameterise(slots).Visit(query.Expression);
        var values = typeof(InboxArgs).GetFields().Select(f => f.GetValue(placeholder)).ToHashSet();
        if (new Constants().Of(body).FirstOrDefault(values.Contains) is { } baked)
            throw new InvalidOperationException($"The inbox statement holds the value {baked} as a constant: read it through {nameof(InboxArgs)}.");
        return Expression.Lambda<Func<ApprovalsDb, string, int, DateTimeOffset, DateTimeOffset, Guid, string, string, string, IQueryable<InboxRow>>>(
            body, context, slots["Me"], slots["Take"], slots["Created"], slots["Due"], slots["Id"], slots["Status0"], slots["Status1"], slots["Status2"]);
    }

    /// <summary>Every constant's value in an expression.</summary>
    private sealed class Constants : ExpressionVisitor
    {
        private readonly List<object?> _values = [];

        public List<object?> Of(Expression expression)
        {
            Visit(expression);
            return _values;
        }

        protected override Expression VisitConstant(ConstantExpression node)
        {
            _values.Add(node.Value);
            return node;
        }
    }

    /// <summary>
    /// Makes the built statement a compiled one's body: each read of an <see cref="InboxArgs"/> field becomes that
    /// field's parameter, and each captured query (a DbSet, a subquery held in a variable) is inlined, as EF Core
    /// does per request. Any other captured value would be frozen into the compiled statement: that is refused.
    /// </summary>
    private sealed class Parameterise(Dictionary<string, ParameterExpression> slots) : ExpressionVisitor
    {
        protected override Expression VisitMember(MemberExpression node)
        {
            if (node.Expression?.Type == typeof(InboxArgs)) return slots[node.Member.Name];
            if (Captured(node, out var value))
            {
                if (value is IQueryable query) return Visit(query.Expression);
                if (node.Member is FieldInfo { IsLiteral: true } || node.Member is FieldInfo { IsStatic: true, IsInitOnly: true }) return base.VisitMember(node);
                throw new InvalidOperationException(
                    $"The inbox statement captures {node.Member.DeclaringType?.Name}.{node.Member.Name}: a compiled statement would keep its first value. Read it through {nameof(InboxArgs)}.");
            }
            return base.VisitMember(node);
        }

        protected override Expression VisitConstant(ConstantExpression node) =>
            node.Value is IQueryable query && query.Expression != node ? Visit(query.Expression) : node;

        /// <summary>A chain of field and property reads down to a constant (a closure, a captured object): its value.</summary>
        private static bool Captured(MemberExpression node, out object? value)
        {
            value = null;
            object? target;
            switch (node.Expression)
            {
                case null:
                    target = null;
                    break;
                case ConstantExpression c:
                    target = c.Value;
                    break;
                case MemberExpression inner when Captured(inner, out var innerValue):
                    target = innerValue;
                    break;
                default:
                    return false;
            }
            value = node.Member switch
            {
                FieldInfo f => f.GetValue(target),
                PropertyInfo p => p.GetValue(target),
                _ => null,
            };
            return true;
        }
    }
}
