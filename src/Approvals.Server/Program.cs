using System.Text.Json.Serialization;
using Approvals.Server.Auth;
using Approvals.Server.Email;
using Approvals.Server.Email.Transports;
using Approvals.Server.Features.Auth;
using Approvals.Server.Features.Calendars;
using Approvals.Server.Features.Cases;
using Approvals.Server.Features.Directory;
using Approvals.Server.Features.Events;
using Approvals.Server.Features.Health;
using Approvals.Server.Features.Reports;
using Approvals.Server.Features.Schema;
using Approvals.Server.Features.Tasks;
using Approvals.Server.Features.Templates;
using Approvals.Server.Features.Workflows;
using Approvals.Server.Hosting;
using Approvals.Server.Http;
using Approvals.Server.Jobs;
using Approvals.Server.Persistence;
using Scalar.AspNetCore;

var builder = WebApplication.CreateBuilder(args);
ShippedSettings.AddTo(builder);

// http://localhost:5080 unless ASPNETCORE_URLS, --urls, the *_HTTP_PORTS settings or Kestrel endpoints say otherwise.
// (A "urls" key in appsettings.json would override ASPNETCORE_URLS, so the default is applied here instead.)
if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["http_ports"])
    && string.IsNullOrEmpty(builder.Configuration["https_ports"]) && !builder.Configuration.GetSection("Kestrel:Endpoints").Exists())
    builder.WebHost.UseUrls("http://localhost:5080");

// Request lines carry query strings, and the Hangfire dashboard is opened once with ?access_token=...: keep
// ASP.NET Core's per-request logging at Warning whatever appsettings.json is (or is not) found.
builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
builder.Logging.AddFilter("Microsoft.AspNetCore.Routing", LogLevel.Warning);
builder.Logging.AddSimpleConsole(o =>
{
    o.SingleLine = true;
    o.TimestampFormat = "HH:mm:ss ";
    o.IncludeScopes = false;
});

builder.Services.AddSingleton<TimeProvider>(Approvals.Server.Hosting.MicrosecondClock.Instance);
builder.Services.ConfigureHttpJsonOptions(o =>
{
    o.SerializerOptions.Converters.Add(new JsonStringEnumConverter());
    o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
    // Numbers are numbers: no "5" for 5, so the document says `integer`, not `integer | string`.
    o.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
    // Two readers of {"riskScore": 10, "riskScore": 90} may pick different values: a duplicate key is a 400.
    o.SerializerOptions.AllowDuplicateProperties = false;
    o.SerializerOptions.Converters.Add(new UniqueKeysJsonObjectConverter());
});
builder.Services.AddApprovalsSettings();
builder.Services.AddApprovalsProblems();
builder.Services.AddApprovalsStorage();
builder.Services.AddApprovalsAuth();
builder.Services.AddApprovalsAudit();
builder.Services.AddMediator((Mediator.MediatorOptions o) =>
{
    o.ServiceLifetime = ServiceLifetime.Scoped;
    o.Assemblies = [typeof(Program)];
});
builder.Services.AddSingleton<WorkflowCatalog>();
builder.Services.AddSingleton<InboxGates>();
builder.Services.AddScoped<CaseStore>();
builder.Services.AddScoped<CaseMigrator>();
builder.Services.AddEngineLimits();
builder.Services.AddApprovalsJobs();
builder.Services.AddApprovalsEvents();
builder.Services.AddEmailDecisions();
builder.Services.AddInboundMailTransports();
builder.Services.AddApprovalsEmail();
builder.Services.AddApprovalsOpenApi();
builder.Services.WithoutContentTypeRouting();

var app = builder.Build();
ShippedSettings.UseShippedWebRoot(app);

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseBrowserAppFiles();
app.UseAuthentication();
app.UseAuthorization();
app.UseJsonBodies();

app.MapJobsDashboard();
app.MapOpenApi().AllowAnonymous();
// The reference page without Scalar's promotional extras (hosted client, AI agent, MCP, developer toolbar, telemetry).
app.MapScalarApiReference(o => o.HideClientButton().HideDeveloperTools().DisableAgent().DisableMcp().DisableTelemetry()).AllowAnonymous();

CheckHealth.Map(app);
GetWorkflowSchema.Map(app);
app.MapAuthEndpoints();

var api = app.MapGroup("/api").RequireAuthorization().ProducesErrors(StatusCodes.Status401Unauthorized);
api.MapCaseEndpoints();
api.MapTaskEndpoints();
api.MapDirectoryEndpoints();
api.MapWorkflowEndpoints();
api.MapCalendarEndpoints();
api.MapEventEndpoints();
api.MapReportEndpoints();
app.MapEmailDecisions(api);
api.MapTemplateEndpoints();

// Anything else under /api is an unknown route: a 404 problem for a signed-in caller. Anonymous callers are
// told 401 first, whatever they asked for.
app.MapFallback("/api/{**path}", (HttpContext http) =>
    Problems.NotFound($"There is nothing at {http.Request.Method} {http.Request.Path}.")).RequireAuthorization().ExcludeFromDescription();
app.MapBrowserApp();

await StartupTasks.RunAsync(app);
await JobsSetup.StartTimersAsync(app.Services, CancellationToken.None);
await app.RunAsync();

public partial class Program;
