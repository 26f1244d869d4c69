namespace Approvals.Server.Http;

/// <summary>What a handler answers: a value, or a problem (from <see cref="Problems"/>) saying why not.</summary>
public readonly record struct Result<T>(T? Value, IResult? Problem)
{
    public bool Failed => Problem is not null;

    public static implicit operator Result<T>(T value) => new(value, null);

    public static Result<T> Fail(IResult problem) => new(default, problem);

    /// <summary>The HTTP answer: <paramref name="ok"/> on success, the problem otherwise.</summary>
    public IResult ToHttp(Func<T, IResult> ok) => Problem ?? ok(Value!);

    public IResult ToHttp() => Problem ?? TypedResults.Ok(Value);
}
