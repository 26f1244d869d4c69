using Approvals.Server.Email;
using Approvals.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Approvals.Server.Tests.Email;

/// <summary>The real server with a small <see cref="ITaskMailActions"/> (the email-decision module's stand-in).</summary>
public sealed class EmailApp(StorageProvider provider, IReadOnlyDictionary<string, string?> settings)
    : ApprovalsAppFactory(provider, store: null, settings)
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<ITaskMailActions, TestMailActions>());
    }

    /// <summary>Links that name the task, the person and the decision; a reply address per task.</summary>
    public sealed class TestMailActions : ITaskMailActions
    {
        public Task<TaskMailActions> IssueAsync(Guid taskId, string recipient, CancellationToken ct)
        {
            var who = Uri.EscapeDataString(recipient);
            return Task.FromResult(new TaskMailActions(
                $"http://localhost:5080/email/decide?token=approve-{taskId:N}-{who}", $"http://localhost:5080/email/decide?token=reject-{taskId:N}-{who}",
                $"http://localhost:5080/email/decide?token=changes-{taskId:N}-{who}", $"http://localhost:5080/tasks/{taskId}",
                $"approvals+{taskId:N}@example.org"));
        }
    }
}
