using Approvals.Engine.Runtime;

namespace Approvals.Engine.Tests.Runtime;

/// <summary>A person's groups as the server reads them from the snapshot (the case list, the live feed, a case view).</summary>
public sealed class DirectorySnapshotTests
{
    [Fact]
    public void GroupsOf_MemberOfSeveral_ByNameInOrdinalOrder_WhateverTheEmailsCase()
    {
        var directory = new DirectorySnapshot()
            .AddGroup("vetting-board", "Board.Chair@example.org", "member@example.org")
            .AddGroup("intake-officers", "member@example.org")
            .AddGroup("finance", "someone.else@example.org");

        Assert.Equal(["intake-officers", "vetting-board"], directory.GroupsOf("MEMBER@example.org "));
        Assert.Equal(["vetting-board"], directory.GroupsOf("board.chair@example.org"));
        Assert.Empty(directory.GroupsOf("nobody@example.org"));
    }

    [Fact]
    public void GroupsOf_AGroupAddedAfterAnAnswer_IsCountedInTheNext()
    {
        var directory = new DirectorySnapshot().AddGroup("finance", "member@example.org");
        Assert.Equal(["finance"], directory.GroupsOf("member@example.org"));

        directory.AddGroup("audit", "member@example.org");

        Assert.Equal(["audit", "finance"], directory.GroupsOf("member@example.org"));
    }
}
