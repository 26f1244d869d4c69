using Approvals.Server.Persistence;
using Npgsql;

namespace Approvals.Server.Tests.Persistence;

/// <summary>
/// What the engine adds to a PostgreSQL connection string an operator gives: prepared statements kept, no JIT, and a
/// pool of a few connections per core. Whatever the string itself names is left as given.
/// </summary>
public sealed class TunedNpgsqlTests
{
    [Fact]
    public void Tuned_NothingNamed_EngineDefaultsAdded()
    {
        var b = new NpgsqlConnectionStringBuilder(StorageSetup.TunedNpgsql("Host=db;Database=approvals;Username=app"));

        Assert.Equal(64, b.MaxAutoPrepare);
        Assert.True(b.NoResetOnClose);
        Assert.Equal("-c jit=off", b.Options);
        Assert.Equal(StorageSetup.DefaultMaxPoolSize, b.MaxPoolSize);
        Assert.Equal(Math.Max(8, 4 * Environment.ProcessorCount), b.MaxPoolSize);
        Assert.Equal("db", b.Host);
    }

    [Theory]
    [InlineData("Maximum Pool Size=40")]
    [InlineData("maxpoolsize=40")]
    public void Tuned_PoolSizeNamed_KeptAsGiven(string setting)
    {
        var b = new NpgsqlConnectionStringBuilder(StorageSetup.TunedNpgsql($"Host=db;{setting};Max Auto Prepare=5;Options=-c work_mem=8MB"));

        Assert.Equal(40, b.MaxPoolSize);
        Assert.Equal(5, b.MaxAutoPrepare);
        Assert.Equal("-c work_mem=8MB", b.Options);
    }
}
