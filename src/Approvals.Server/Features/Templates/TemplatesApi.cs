using Approvals.Server.Auth;
using Approvals.Server.Email;
using Approvals.Server.Http;
using Approvals.Server.Persistence;

namespace Approvals.Server.Features.Templates;

public static class TemplatesApi
{
    /// <summary>Maps the email template routes (designers) under the authorized <c>/api</c> group.</summary>
    public static RouteGroupBuilder MapTemplateEndpoints(this RouteGroupBuilder api)
    {
        var templates = api.MapGroup("/templates").WithTags("Templates").RequireAuthorization(Policies.Designer)
            .ProducesErrors(StatusCodes.Status403Forbidden);
        ListTemplates.Map(templates);
        GetTemplate.Map(templates);
        PutTemplate.Map(templates);
        DeleteTemplate.Map(templates);
        PreviewTemplate.Map(templates);
        return api;
    }
}

/// <summary>
/// An email template: Scriban source of its three parts. <see cref="Saved"/> is false while the built-in default is in
/// use; <see cref="UpdatedBy"/> says who saved it last.
/// </summary>
public sealed record TemplateView(string Name, string Subject, string Html, string Text, bool Saved, DateTimeOffset? UpdatedAt, string? UpdatedBy)
{
    public static TemplateView Of(TemplateSource s) => new(s.Name, s.Subject, s.Html, s.Text, false, null, null);

    public static TemplateView Of(TemplateRow r) => new(r.Name, r.Subject, r.Html, r.Text, true, r.UpdatedAt, r.UpdatedBy);
}

/// <summary>Shared by the template slices.</summary>
public static class TemplateErrors
{
    /// <summary>A name that is not a template name, for a 404.</summary>
    public static void CheckName(string name)
    {
        if (!TemplateStore.IsValidName(name))
            throw new Engine.Runtime.EngineRefusal(Engine.Runtime.RefusalKind.NotFound,
                $"'{name}' is not a template name (lower-case letters, digits and dashes, at most 100).");
    }

    /// <summary>One 400 error per fault, with the part as the field and its line and column.</summary>
    public static RequestInvalid Of(string title, IReadOnlyList<TemplateError> errors) =>
        new(title, errors.Select(e => new ApiError(e.Field, e.Message, "template-error", null, e.Line, e.Column)).ToList());
}
