namespace Approvals.Server.Features.Tasks;

public static class TasksApi
{
    /// <summary>Maps every task route under <paramref name="api"/> (the authorized <c>/api</c> group).</summary>
    public static RouteGroupBuilder MapTaskEndpoints(this RouteGroupBuilder api)
    {
        var tasks = api.MapGroup("/tasks").WithTags("Tasks");
        ListTasks.Map(tasks);
        GetTask.Map(tasks);
        DecideTask.Map(tasks);
        ClaimTask.Map(tasks);
        DelegateTask.Map(tasks);
        return api;
    }
}
