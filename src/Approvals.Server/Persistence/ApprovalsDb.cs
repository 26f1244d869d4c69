using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Persistence;

/// <summary>
/// The one database context. Each store has its own subclass (<see cref="SqliteApprovalsDb"/>,
/// <see cref="PostgresApprovalsDb"/>) with its own migrations; code asks for <see cref="ApprovalsDb"/>.
/// </summary>
public class ApprovalsDb(DbContextOptions options) : DbContext(options)
{
    public DbSet<UserRow> Users => Set<UserRow>();
    public DbSet<GroupRow> Groups => Set<GroupRow>();
    public DbSet<GroupMemberRow> GroupMembers => Set<GroupMemberRow>();
    public DbSet<WorkflowDraftRow> WorkflowDrafts => Set<WorkflowDraftRow>();
    public DbSet<WorkflowVersionRow> WorkflowVersions => Set<WorkflowVersionRow>();
    public DbSet<CaseRow> Cases => Set<CaseRow>();
    public DbSet<TaskRow> Tasks => Set<TaskRow>();
    public DbSet<TaskCandidateRow> TaskCandidates => Set<TaskCandidateRow>();
    public DbSet<TimerRow> Timers => Set<TimerRow>();
    public DbSet<OutboxRow> Outbox => Set<OutboxRow>();
    public DbSet<AuditRow> Audit => Set<AuditRow>();
    public DbSet<IdempotencyRow> IdempotencyKeys => Set<IdempotencyRow>();
    public DbSet<SettingRow> Settings => Set<SettingRow>();
    public DbSet<CalendarRow> Calendars => Set<CalendarRow>();
    public DbSet<RevokedTokenRow> RevokedTokens => Set<RevokedTokenRow>();
    public DbSet<TemplateRow> Templates => Set<TemplateRow>();
    public DbSet<EmailTokenRow> EmailTokens => Set<EmailTokenRow>();
    public DbSet<InboundMessageRow> InboundMessages => Set<InboundMessageRow>();

    protected override void OnModelCreating(ModelBuilder b)
    {
        b.Entity<UserRow>(e =>
        {
            e.ToTable("Users");
            e.HasKey(x => x.Email);
            e.Property(x => x.Email).HasMaxLength(320);
            e.Property(x => x.DisplayName).HasMaxLength(200);
            e.Property(x => x.Manager).HasMaxLength(320);
            e.Property(x => x.SecurityStamp).HasMaxLength(64);
        });
        b.Entity<RevokedTokenRow>(e =>
        {
            e.ToTable("RevokedTokens");
            e.HasKey(x => x.Jti);
            e.Property(x => x.Jti).HasMaxLength(64);
            e.Property(x => x.Email).HasMaxLength(320);
            e.HasIndex(x => x.Email);
            e.HasIndex(x => x.ExpiresAt);
        });
        b.Entity<GroupRow>(e =>
        {
            e.ToTable("Groups");
            e.HasKey(x => x.Name);
            e.Property(x => x.Name).HasMaxLength(100);
            e.Property(x => x.DisplayName).HasMaxLength(200);
        });
        b.Entity<GroupMemberRow>(e =>
        {
            e.ToTable("GroupMembers");
            e.HasKey(x => new { x.GroupName, x.Email });
            e.HasIndex(x => x.Email);
        });
        b.Entity<WorkflowDraftRow>(e =>
        {
            e.ToTable("WorkflowDrafts");
            e.HasKey(x => x.Key);
            e.Property(x => x.Key).HasMaxLength(64);
        });
        b.Entity<WorkflowVersionRow>(e =>
        {
            e.ToTable("WorkflowVersions");
            e.HasKey(x => new { x.Key, x.Version });
            e.Property(x => x.Key).HasMaxLength(64);
        });
        b.Entity<CaseRow>(e =>
        {
            e.ToTable("Cases");
            e.HasKey(x => x.Id);
            e.Property(x => x.Version).IsConcurrencyToken();
            e.Property(x => x.Status).HasMaxLength(32);
            e.Property(x => x.Outcome).HasMaxLength(32);
            e.Property(x => x.AuditSeal).HasMaxLength(64);
            // A requester's newest cases, and everyone's newest (the case lists' order), read in index order.
            e.HasIndex(x => new { x.Requester, x.CreatedAt, x.Id });
            e.HasIndex(x => new { x.CreatedAt, x.Id });
            e.HasIndex(x => x.Status);
            e.HasIndex(x => x.WorkflowKey);
        });
        b.Entity<TaskRow>(e =>
        {
            e.ToTable("Tasks");
            e.HasKey(x => x.Id);
            e.Property(x => x.Status).HasMaxLength(32);
            e.Property(x => x.Decision).HasMaxLength(32);
            // The inbox reads each way a task reaches its caller in its order (due date, created, id), a page at a
            // time (Features/Tasks/InboxReads.cs): assigned, decided by, and unassigned (offered) tasks.
            e.HasIndex(x => new { x.Assignee, x.Status, x.DueAt, x.CreatedAt, x.Id });
            e.HasIndex(x => new { x.DecidedBy, x.Status, x.DueAt, x.CreatedAt, x.Id }); // also the case list's "decided by me"
            e.HasIndex(x => new { x.Status, x.DueAt, x.CreatedAt, x.Id }, "IX_Tasks_Unassigned").HasFilter("\"Assignee\" IS NULL");
            e.HasIndex(x => x.CaseId);
            e.HasMany(x => x.Candidates).WithOne().HasForeignKey(c => c.TaskId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<TaskCandidateRow>(e =>
        {
            e.ToTable("TaskCandidates");
            e.HasKey(x => new { x.TaskId, x.Kind, x.Name });
            e.Property(x => x.Kind).HasMaxLength(16);
            e.HasIndex(x => new { x.Kind, x.Name, x.TaskId }); // the tasks offered to a user or group, without a table read
        });
        b.Entity<TimerRow>(e =>
        {
            e.ToTable("Timers");
            e.HasKey(x => x.Id);
            e.Property(x => x.Kind).HasMaxLength(32);
            e.Property(x => x.Status).HasMaxLength(32);
            e.HasIndex(x => new { x.Status, x.DueAt });
            e.HasIndex(x => x.CaseId);
        });
        b.Entity<OutboxRow>(e =>
        {
            e.ToTable("Outbox");
            e.HasKey(x => x.Id);
            e.HasIndex(x => x.DispatchedAt);
            // The messages still to send, oldest first: the dispatcher reads a round in this order and stops at the
            // round's size. Over (DispatchedAt, FailedAt, NextAttemptAt) it sorted every waiting message for each
            // round, 1.5-2.6 ms with a few thousand waiting (issue 9).
            e.HasIndex(x => x.CreatedAt, "IX_Outbox_Waiting").HasFilter("\"DispatchedAt\" IS NULL AND \"FailedAt\" IS NULL");
            // Refusals of inbound replies, counted per recipient before another is queued (InboundMail); only those rows.
            // The filter is the same text as when the index was made (the migrations hold it): the event's name is fixed.
            e.HasIndex(x => x.CreatedAt, "IX_Outbox_Refusals").HasFilter($"\"Event\" = '{Email.InboundMail.RefusedEvent}'");
        });
        b.Entity<TemplateRow>(e =>
        {
            e.ToTable("Templates");
            e.HasKey(x => x.Name);
            e.Property(x => x.Name).HasMaxLength(100);
        });
        b.Entity<EmailTokenRow>(e =>
        {
            e.ToTable("EmailTokens");
            e.HasKey(x => x.Id);
            e.Property(x => x.Hash).HasMaxLength(64);
            e.Property(x => x.Kind).HasMaxLength(16);
            e.Property(x => x.Decision).HasMaxLength(32);
            e.HasIndex(x => x.Hash).IsUnique();
            e.HasIndex(x => x.TaskId);
        });
        b.Entity<InboundMessageRow>(e =>
        {
            e.ToTable("InboundMessages");
            e.HasKey(x => x.MessageId);
            e.Property(x => x.MessageId).HasMaxLength(998);
            e.Property(x => x.Source).HasMaxLength(16);
            e.Property(x => x.Outcome).HasMaxLength(32);
        });
        b.Entity<AuditRow>(e =>
        {
            e.ToTable("Audit");
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).ValueGeneratedOnAdd();
            e.HasIndex(x => new { x.CaseId, x.Seq }).IsUnique();
        });
        b.Entity<IdempotencyRow>(e =>
        {
            e.ToTable("IdempotencyKeys");
            e.HasKey(x => new { x.Actor, x.Key });
        });
        b.Entity<CalendarRow>(e =>
        {
            e.ToTable("Calendars");
            e.HasKey(x => x.Name);
            e.Property(x => x.Name).HasMaxLength(64);
        });
        b.Entity<SettingRow>(e =>
        {
            e.ToTable("Settings");
            e.HasKey(x => x.Name);
            e.Property(x => x.Name).HasMaxLength(100);
        });
    }
}
