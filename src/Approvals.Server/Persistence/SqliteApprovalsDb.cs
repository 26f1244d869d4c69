using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Approvals.Server.Persistence;

/// <summary>The embedded store. Migrations live in Persistence/Migrations/Sqlite.</summary>
public class SqliteApprovalsDb(DbContextOptions<SqliteApprovalsDb> options) : ApprovalsDb(options)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite has no DateTimeOffset type and EF cannot compare or order the text it would store, so
        // every instant is kept as UTC ticks: exact, sortable and comparable in SQL.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<UtcTicksConverter>();
        configurationBuilder.Properties<DateTimeOffset?>().HaveConversion<UtcTicksConverter>();
    }

    public sealed class UtcTicksConverter() : ValueConverter<DateTimeOffset, long>(
        v => v.UtcTicks,
        v => new DateTimeOffset(v, TimeSpan.Zero));
}

/// <summary>Used by <c>dotnet ef</c> only.</summary>
public sealed class SqliteApprovalsDbDesignFactory : IDesignTimeDbContextFactory<SqliteApprovalsDb>
{
    public SqliteApprovalsDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteApprovalsDb>().UseSqlite("Data Source=design-time.db").Options);
}
