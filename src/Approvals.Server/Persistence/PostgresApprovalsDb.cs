using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Approvals.Server.Persistence;

/// <summary>The production store. Migrations live in Persistence/Migrations/PostgreSql.</summary>
public class PostgresApprovalsDb(DbContextOptions<PostgresApprovalsDb> options) : ApprovalsDb(options);

/// <summary>Used by <c>dotnet ef</c> only; no connection is opened to generate a migration.</summary>
public sealed class PostgresApprovalsDbDesignFactory : IDesignTimeDbContextFactory<PostgresApprovalsDb>
{
    public PostgresApprovalsDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresApprovalsDb>().UseNpgsql("Host=localhost;Database=approvals_design").Options);
}
