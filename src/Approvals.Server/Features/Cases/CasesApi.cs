namespace Approvals.Server.Features.Cases;

public static class CasesApi
{
    /// <summary>Maps every case route under <paramref name="api"/> (the authorized <c>/api</c> group).</summary>
    public static RouteGroupBuilder MapCaseEndpoints(this RouteGroupBuilder api)
    {
        var cases = api.MapGroup("/cases").WithTags("Cases");
        StartCase.Map(cases);
        ListCases.Map(cases);
        GetCase.Map(cases);
        GetCaseAudit.Map(cases);
        VerifyCaseAudit.Map(cases);
        WithdrawCase.Map(cases);
        ResubmitCase.Map(cases);
        RetryCase.Map(cases);
        MigrateCases.MapCase(cases);
        return api;
    }
}
