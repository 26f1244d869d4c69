using System.ComponentModel.DataAnnotations;
using Approvals.Engine.Runtime;
using Approvals.Server.Auth;
using Approvals.Server.Http;
using Approvals.Server.Persistence;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Approvals.Server.Features.Directory;

/// <summary>
/// <c>PUT /api/directory/groups/{name}</c> <c>{"displayName"?, "members": [emails]}</c>: creates or replaces a group.
/// Members added or removed get a new stamp: their tokens end, since what they may decide changed.
/// </summary>
public static class PutGroup
{
    public sealed record Request(string? DisplayName, [property: Required] List<string>? Members);

    public sealed record Command(string Name, string? DisplayName, IReadOnlyList<string>? Members) : ICommand<GroupView>;

    public sealed class Handler(ApprovalsDb db, StandingChanges changes) : ICommandHandler<Command, GroupView>
    {
        public async ValueTask<GroupView> Handle(Command c, CancellationToken ct)
        {
            var name = c.Name.Trim();
            var errors = new List<ApiError>();
            if (!DirectoryRules.IsGroupName(name))
                errors.Add(new ApiError("name", $"'{c.Name}' is not a group name: letters, digits, '.', '_' or '-', at most 100.", "invalid-value"));
            if (c.DisplayName is { Length: > 200 })
                errors.Add(new ApiError("displayName", "displayName may hold at most 200 characters.", "invalid-value"));
            else if (DirectoryRules.HiddenCharacters("displayName", c.DisplayName) is { } hiddenName) errors.Add(hiddenName);
            var members = (c.Members ?? []).Select(m => DirectoryRules.NormalizeEmail(m ?? "")).ToList();
            if (c.Members is null)
                errors.Add(new ApiError("members", "members is required (an empty list empties the group).", "required"));
            var known = await db.Users.Where(u => members.Contains(u.Email)).Select(u => u.Email).ToListAsync(ct);
            for (var i = 0; i < members.Count; i++)
                if (DirectoryRules.HiddenCharacters($"members[{i}]", members[i]) is { } hidden) errors.Add(hidden);
                else if (!known.Contains(members[i]))
                    errors.Add(new ApiError($"members[{i}]", $"There is no user '{members[i]}'.", "unknown-user"));
            if (errors.Count > 0) throw new RequestInvalid("The group is not valid.", errors);

            var group = await db.Groups.FirstOrDefaultAsync(g => g.Name == name, ct);
            if (group is null) db.Groups.Add(group = new GroupRow { Name = name });
            if (c.DisplayName is not null) group.DisplayName = c.DisplayName.Trim();

            var wanted = members.Distinct().ToList();
            var current = await db.GroupMembers.Where(m => m.GroupName == name).ToListAsync(ct);
            var leaving = current.Where(m => !wanted.Contains(m.Email)).ToList();
            var joining = wanted.Where(e => current.All(m => m.Email != e)).ToList();
            db.GroupMembers.RemoveRange(leaving);
            foreach (var e in joining) db.GroupMembers.Add(new GroupMemberRow { GroupName = name, Email = e });
            var changed = leaving.Select(m => m.Email).Concat(joining).ToList();
            foreach (var user in await db.Users.Where(u => changed.Contains(u.Email)).ToListAsync(ct))
                user.SecurityStamp = UserRow.NewStamp();
            try
            {
                await changes.SaveAsync(db, changed, ct, directory: true);
            }
            catch (DbUpdateException e) when (e.IsUniqueViolation())
            {
                throw new EngineRefusal(RefusalKind.Conflict, $"Group {name} was changed by someone else at the same moment; send the request again.");
            }
            return new GroupView(group.Name, group.DisplayName, wanted.Order(StringComparer.Ordinal).ToList());
        }
    }

    public static void Map(RouteGroupBuilder directory) =>
        directory.MapPut("/groups/{name}", async Task<Ok<GroupView>> (string name, Request body, IMediator m, CancellationToken ct) =>
                TypedResults.Ok(await m.Send(new Command(name, body.DisplayName, body.Members), ct)))
            .WithName("PutGroup")
            .WithSummary("Creates or replaces a group; members added or removed must sign in again")
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status409Conflict, StatusCodes.Status415UnsupportedMediaType);
}
