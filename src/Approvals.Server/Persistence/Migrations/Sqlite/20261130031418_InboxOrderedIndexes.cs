using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Approvals.Server.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class InboxOrderedIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Tasks_Assignee_Status",
                table: "Tasks");

            migrationBuilder.DropIndex(
                name: "IX_Tasks_DecidedBy",
                table: "Tasks");

            migrationBuilder.DropIndex(
                name: "IX_TaskCandidates_Kind_Name",
                table: "TaskCandidates");

            migrationBuilder.CreateIndex(
                name: "IX_Tasks_Assignee_Status_DueAt_CreatedAt_Id",
                table: "Tasks",
                columns: new[] { "Assignee", "Status", "DueAt", "CreatedAt", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Tasks_DecidedBy_Status_DueAt_CreatedAt_Id",
                table: "Tasks",
                columns: new[] { "DecidedBy", "Status", "DueAt", "CreatedAt", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Tasks_Unassigned",
                table: "Tasks",
                columns: new[] { "Status", "DueAt", "CreatedAt", "Id" },
                filter: "\"Assignee\" IS NULL");

            migrationBuilder.CreateIndex(
                name: "IX_TaskCandidates_Kind_Name_TaskId",
                table: "TaskCandidates",
                columns: new[] { "Kind", "Name", "TaskId" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Tasks_Assignee_Status_DueAt_CreatedAt_Id",
                table: "Tasks");

            migrationBuilder.DropIndex(
                name: "IX_Tasks_DecidedBy_Status_DueAt_CreatedAt_Id",
                table: "Tasks");

            migrationBuilder.DropIndex(
                name: "IX_Tasks_Unassigned",
                table: "Tasks");

            migrationBuilder.DropIndex(
                name: "IX_TaskCandidates_Kind_Name_TaskId",
                table: "TaskCandidates");

            migrationBuilder.CreateIndex(
                name: "IX_Tasks_Assignee_Status",
                table: "Tasks",
                columns: new[] { "Assignee", "Status" });

            migrationBuilder.CreateIndex(
                name: "IX_Tasks_DecidedBy",
                table: "Tasks",
                column: "DecidedBy");

            migrationBuilder.CreateIndex(
                name: "IX_TaskCandidates_Kind_Name",
                table: "TaskCandidates",
                columns: new[] { "Kind", "Name" });
        }
    }
}
