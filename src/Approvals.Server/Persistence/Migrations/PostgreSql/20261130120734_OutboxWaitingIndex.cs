using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Approvals.Server.Persistence.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class OutboxWaitingIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Outbox_DispatchedAt_FailedAt_NextAttemptAt",
                table: "Outbox");

            migrationBuilder.CreateIndex(
                name: "IX_Outbox_Waiting",
                table: "Outbox",
                column: "CreatedAt",
                filter: "\"DispatchedAt\" IS NULL AND \"FailedAt\" IS NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Outbox_Waiting",
                table: "Outbox");

            migrationBuilder.CreateIndex(
                name: "IX_Outbox_DispatchedAt_FailedAt_NextAttemptAt",
                table: "Outbox",
                columns: new[] { "DispatchedAt", "FailedAt", "NextAttemptAt" });
        }
    }
}
